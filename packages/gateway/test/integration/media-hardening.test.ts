/**
 * Attacks on a call's media (issue #9 "Hardening"), against a whole gateway: crafted SDP in
 * one UDP INVITE, a stranger spraying RTP into a PIN-protected call, an INVITE that is never
 * ACKed and names a third address, and a flood of un-ACKed INVITEs from one source. The
 * attackers are plain UDP sockets on other 127.0.0.x addresses; the legitimate caller is
 * baresip.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CameraStatus, IncomingCallsSettings, OutputState, SettingsView } from '@camgate/protocol';

import { keyPressPackets } from '../../src/audio/dtmf/rfc4733.ts';
import { buildRtpPacket } from '../../src/media/rtp-packet.ts';
import { Baresip } from '../support/baresip.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { freeUdpPort } from '../support/ports.ts';
import { audioOffer, RawSipUdp } from '../support/raw-sip-udp.ts';
import { runSipp, SIPP_SCENARIOS } from '../support/sipp.ts';

/** A small RTP range the stranger can spray in full: 10 port pairs, so at most 10 calls. */
const RTP_MIN = 39_100;
const RTP_MAX = 39_119;
const PIN = '4711';
/** baresip's telephone-event payload type (and the one every scanner guesses). */
const TELEPHONE_EVENT_PT = 101;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function bindUdp(address: string): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  return socket;
}

/** Counts the datagrams a socket receives. */
function counter(socket: Socket): { count: number } {
  const seen = { count: 0 };
  socket.on('message', () => seen.count++);
  return seen;
}

describe('media hardening against strangers and crafted INVITEs', () => {
  let gw: TestGateway;
  const closers: (() => unknown)[] = [];

  async function settings(change: Partial<IncomingCallsSettings>): Promise<void> {
    const view = await gw.api<SettingsView>('GET', '/api/cameras/camera/settings');
    await gw.api('PUT', '/api/cameras/camera/settings', { ...view.running, welcomeMessageId: null, ...change });
  }

  /** The phase of baresip's call (other tests' attackers may still hold calls). */
  async function phoneCallPhase(): Promise<string | undefined> {
    return (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls.find((c) => c.caller.includes('baresip'))?.phase;
  }

  async function legitimateCall(): Promise<Baresip> {
    const phone = await Baresip.start();
    closers.push(() => phone.close());
    await phone.dial(gw.sipUri);
    await phone.waitForEvent('CALL_ESTABLISHED');
    return phone;
  }

  beforeAll(async () => {
    gw = await startTestGateway(['--rtp-port-min', String(RTP_MIN), '--rtp-port-max', String(RTP_MAX), '--max-calls', '10']);
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  afterAll(async () => {
    await gw.close();
  });

  it('answers SDP with an out-of-range port or a host name 488 with a Warning, and keeps running', async () => {
    await settings({ pin: '', acceptedCallers: [] });
    const uac = await RawSipUdp.open('127.0.0.4');
    closers.push(() => uac.close());

    const badPort = await uac.invite(gw.sipPort, { sdp: audioOffer('127.0.0.4', 65536) });
    expect(badPort.status).toBe(488);
    expect(badPort.header('Warning')).toMatch(/^301 camgate ".*65536.*"$/);
    uac.ack(badPort);

    const hostName = await uac.invite(gw.sipPort, { sdp: audioOffer('media.attacker.example', 40_000) });
    expect(hostName.status).toBe(488);
    expect(hostName.header('Warning')).toMatch(/not an IP address/);
    uac.ack(hostName);

    // The process is alive and takes calls.
    const phone = await legitimateCall();
    await phone.hangup();
  }, 30_000);

  it('sends no RTP to the address an INVITE names before the INVITE is ACKed (no reflection)', async () => {
    await settings({ pin: PIN, acceptedCallers: [] });
    const victim = await bindUdp('127.0.0.3');
    closers.push(() => victim.close());
    const atVictim = counter(victim);
    const uac = await RawSipUdp.open('127.0.0.5');
    closers.push(() => uac.close());

    const ok = await uac.invite(gw.sipPort, { sdp: audioOffer('127.0.0.3', victim.address().port), contact: `sip:victim@127.0.0.3:${victim.address().port}` });
    expect(ok.status).toBe(200);
    // The camera speaks its PIN prompt from the answer on: none of it may reach the victim.
    await pause(3000);
    expect(atVictim.count).toBe(0);
  }, 20_000);

  it('keeps a flood of un-ACKed INVITEs from one source to its quota; other callers still get through', async () => {
    await settings({ pin: '', acceptedCallers: [] });
    const flooder = await RawSipUdp.open('127.0.0.6');
    closers.push(() => flooder.close());
    const statuses: number[] = [];
    const retryAfter: (string | undefined)[] = [];
    for (let i = 0; i < 14; i++) {
      const final = await flooder.invite(gw.sipPort, { sdp: audioOffer('127.0.0.6', 30_000 + 2 * i) });
      statuses.push(final.status);
      if (final.status !== 200) {
        retryAfter.push(final.header('Retry-After'));
        flooder.ack(final);
      }
      await pause(30); // below the transport's rate limit: the quota is what stops it
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
    expect(statuses.slice(2).every((s) => s === 486)).toBe(true);
    expect(retryAfter.every((value) => Number(value) > 0)).toBe(true);

    // Another source is not denied: its INVITE and a real phone's call are answered.
    const other = await RawSipUdp.open('127.0.0.7');
    closers.push(() => other.close());
    const otherFinal = await other.invite(gw.sipPort, { sdp: audioOffer('127.0.0.7', 30_100) });
    expect(otherFinal.status).toBe(200);
    const phone = await legitimateCall();
    await phone.hangup();
    await phone.waitForEvent('CALL_CLOSED');
  }, 40_000);

  it('moves the media to the port the answer in the ACK names (offerless re-INVITE from sipp)', async () => {
    await settings({ pin: '', acceptedCallers: [], audioMode: 'listen' });
    const moved = await bindUdp('127.0.0.1');
    closers.push(() => moved.close());
    const atMoved = counter(moved);
    const run = await runSipp({
      scenario: SIPP_SCENARIOS.offerlessReinvite,
      target: `127.0.0.1:${gw.sipPort}`,
      calls: 1,
      pauseMs: 3000,
      timeoutMs: 20_000,
      extraArgs: ['-key', 'answer_port', String(moved.address().port), '-mp', String(await freeUdpPort())],
    });
    expect(run.errors).toBe('');
    expect(run.successful).toBe(1);
    // 3 s of the room microphone at 50 packets a second went to the new port.
    expect(atMoved.count).toBeGreaterThan(50);
  }, 40_000);

  it('never hands a PIN-protected call to a stranger spraying RTP with 1# at the port range', async () => {
    await settings({ pin: PIN, acceptedCallers: [], audioMode: 'listen' });
    const phone = await legitimateCall();
    await eventually(async () => (await phoneCallPhase()) === 'pin', 15_000, 'PIN prompt');
    await phone.sendDtmf(`${PIN}#`);
    await eventually(async () => (await phoneCallPhase()) === 'connected', 15_000, 'PIN accepted');

    const stranger = await bindUdp('127.0.0.2');
    closers.push(() => stranger.close());
    const atStranger = counter(stranger);
    const ssrc = 0x5ca1ab1e;
    let sequenceNumber = 100;
    let timestamp = 8000;
    const spray = (payloadType: number, payload: Buffer, marker = false) => {
      const packet = buildRtpPacket({ marker, payloadType, sequenceNumber: sequenceNumber++, timestamp, ssrc }, payload);
      for (let port = RTP_MIN; port < RTP_MAX; port += 2) stranger.send(packet, port, '127.0.0.1');
    };
    const silence = Buffer.alloc(160, 0xff);
    // Half a second of in-sequence audio, then "1#" as RFC 4733 events, then more audio.
    for (let i = 0; i < 25; i++, timestamp += 160) {
      spray(0, silence);
      await pause(20);
    }
    for (const key of ['1', '#'] as const) {
      for (const event of keyPressPackets(key, { clockRate: 8000 })) spray(TELEPHONE_EVENT_PT, event.payload, event.marker);
      timestamp += 1600;
      await pause(150);
    }
    for (let i = 0; i < 25; i++, timestamp += 160) {
      spray(0, silence);
      await pause(20);
    }
    await pause(1500);

    expect(atStranger.count).toBe(0);
    const door = (await gw.api<OutputState[]>('GET', '/api/cameras/camera/outputs')).find((o) => o.name === 'door');
    expect(door?.active).toBe(false);
    expect(phone.events.some((e) => e.type === 'CALL_CLOSED')).toBe(false);

    // The phone still has the call: its own 1# opens the door.
    await phone.sendDtmf('1#');
    await eventually(async () => (await gw.api<OutputState[]>('GET', '/api/cameras/camera/outputs')).find((o) => o.name === 'door' && o.active), 10_000, 'door opened by the phone');
    await phone.hangup();
  }, 60_000);
});
