/**
 * Issue #9, "hands a call to a stranger": during a PIN-protected call by a phone, a host
 * that never sent SIP sprays in-sequence RTP at the RTP port range. It must get no RTP back
 * (the camera's audio is the owner's), and its RFC 4733 `1#` must not open the door.
 */
import type { CallInfo, CameraEvent, CameraStatus } from '@camgate/protocol';
import { Baresip } from '../../support/baresip.ts';
import { Findings, type AttackResult } from '../support/result.ts';
import { RtpStream, UdpSink } from '../support/rtp.ts';
import { applySettings, pause, within } from '../support/serving.ts';
import type { GatewayTarget } from '../support/target.ts';

export const OWNER_PIN = '4711';

async function callPhase(target: GatewayTarget): Promise<CallInfo['phase'] | undefined> {
  return (await target.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls[0]?.phase;
}

/** The owner's call, PIN entered, in the connected phase (where `1#` opens the door). */
export async function connectedOwnerCall(target: GatewayTarget, owner: string): Promise<Baresip> {
  await applySettings(target, { pin: OWNER_PIN, acceptedCallers: [] });
  const phone = await Baresip.start({ host: owner, aor: `sip:owner@${owner}` });
  try {
    await phone.dial(target.sipUri);
    const closed = await Promise.race([
      phone.waitForEvent('CALL_ESTABLISHED').then(() => undefined),
      phone.waitForEvent('CALL_CLOSED').then((e) => e.param ?? 'closed'),
    ]);
    if (closed !== undefined) throw new Error(`the owner's call was not answered: ${closed}`);
    if (!(await within(15_000, async () => /welcome|pin/.test((await callPhase(target)) ?? '')))) throw new Error('no PIN prompt');
    await pause(1000);
    await phone.sendDtmf(`${OWNER_PIN}#`);
    if (!(await within(15_000, async () => (await callPhase(target)) === 'connected'))) throw new Error('the owner\'s PIN was not accepted');
    return phone;
  } catch (error) {
    await phone.close();
    throw error;
  }
}

/**
 * Sprays every port of the target's RTP range from `stranger` for `rounds` rounds: a few
 * in-sequence PCMU frames, then the keys 1 and #, from one socket (one SSRC per port).
 */
export async function sprayRtpRange(target: GatewayTarget, stranger: string, rounds: number): Promise<{ received: number; sent: number }> {
  const sink = await UdpSink.open(stranger);
  const streams = new Map<number, RtpStream>();
  let sent = 0;
  for (let round = 0; round < rounds; round++) {
    for (let port = target.rtpPortMin; port <= target.rtpPortMax; port++) {
      const stream = streams.get(port) ?? new RtpStream();
      streams.set(port, stream);
      for (const packet of [...stream.audio(5), ...stream.key('1'), ...stream.audio(2), ...stream.key('#'), ...stream.audio(3)]) {
        sink.socket.send(packet, port, '127.0.0.1');
        sent++;
      }
    }
    await pause(200);
  }
  await pause(1500);
  sink.close();
  return { received: sink.count, sent };
}

export async function strangerSpraysRtpDuringCall(target: GatewayTarget, o: { owner: string; stranger: string; rounds: number }): Promise<AttackResult> {
  const findings = new Findings();
  const phone = await connectedOwnerCall(target, o.owner);
  const startedAt = Date.now();
  try {
    const { received, sent } = await sprayRtpRange(target, o.stranger, o.rounds);
    findings.record('rtp packets sprayed', sent);
    findings.record('rtp packets the stranger received', received);
    findings.expectThat(received === 0, `the stranger received ${received} RTP packets of the owner's call`);
    await pause(1000);
    const doorEvents = (await target.api<CameraEvent[]>('GET', '/api/cameras/camera/events?limit=50')).filter((e) => e.kind === 'door' && e.at >= startedAt);
    const doorOpen = (await target.api<{ name: string; active: boolean }[]>('GET', '/api/cameras/camera/outputs')).some((x) => x.name === 'door' && x.active);
    findings.record('door events during the spray', doorEvents.length);
    findings.expectThat(doorEvents.length === 0 && !doorOpen, 'the stranger\'s RFC 4733 "1#" opened the door');
    findings.expectThat(target.alive, 'the gateway died during the RTP spray');
  } finally {
    await phone.hangup().catch(() => undefined);
    await phone.close();
  }
  return findings.result;
}
