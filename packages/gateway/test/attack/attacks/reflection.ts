/**
 * Issue #9, "reflects": one INVITE, never ACKed, whose SDP names a third address must not
 * turn the gateway into a stream of RTP (or a BYE retransmission storm) at that address;
 * a host name in c= is refused with a 4xx and never looked up in DNS.
 */
import { Findings, type AttackResult } from '../support/result.ts';
import { UdpSink } from '../support/rtp.ts';
import { applySettings, pause } from '../support/serving.ts';
import { newId, sdpOffer, UdpSipPeer } from '../support/sip.ts';
import type { GatewayTarget } from '../support/target.ts';

/** RTP packets a victim may see before the gateway notices nobody answers (a "handful"). */
export const REFLECTED_RTP_ALLOWED = 5;
/** SIP messages the victim may see: at most one BYE transaction's retransmissions (Timer E over 32 s). */
export const REFLECTED_SIP_ALLOWED = 11;

export async function unackedInviteNamesVictim(target: GatewayTarget, o: { attacker: string; victim: string; observeMs: number }): Promise<AttackResult> {
  const findings = new Findings();
  await applySettings(target, { pin: '', acceptedCallers: [] });
  const attacker = await UdpSipPeer.open(o.attacker);
  const victimRtp = await UdpSink.open(o.victim);
  const victimSip = await UdpSink.open(o.victim);
  try {
    const callId = attacker.request('INVITE', target.sipUri, target.sipPort, {
      user: 'attacker', contact: `sip:victim@${o.victim}:${victimSip.port}`, sdp: sdpOffer(o.victim, victimRtp.port),
    });
    const answer = await attacker.finalResponse(callId, 5000);
    await pause(o.observeMs); // no ACK, ever
    findings.record('final response', answer?.status ?? 'none');
    findings.record('seconds observed', o.observeMs / 1000);
    findings.record('rtp packets at the victim', victimRtp.count);
    findings.record('sip messages at the victim', victimSip.count);
    findings.expectThat(victimRtp.count <= REFLECTED_RTP_ALLOWED, `the third address in c= received ${victimRtp.count} RTP packets for a call nobody ACKed`);
    findings.expectThat(victimSip.count <= REFLECTED_SIP_ALLOWED, `the Contact's third address received ${victimSip.count} SIP messages (a BYE storm)`);
  } finally {
    attacker.close();
    victimRtp.close();
    victimSip.close();
  }
  return findings.result;
}

export async function hostNameInConnectionLine(target: GatewayTarget, o: { attacker: string }): Promise<AttackResult> {
  const findings = new Findings();
  await applySettings(target, { pin: '', acceptedCallers: [] });
  const host = `reflect-${newId()}.attack.invalid`;
  const attacker = await UdpSipPeer.open(o.attacker);
  try {
    const callId = attacker.request('INVITE', target.sipUri, target.sipPort, { user: 'attacker', sdp: sdpOffer(host, 40000) });
    const answer = await attacker.finalResponse(callId, 5000);
    if (answer && answer.status < 300) {
      // Be a polite caller so the call does not linger: ACK, then BYE.
      attacker.send(`ACK ${target.sipUri} SIP/2.0\r\nVia: SIP/2.0/UDP ${o.attacker}:${attacker.port};branch=z9hG4bK${newId()}\r\nFrom: ${answer.header('From')}\r\nTo: ${answer.header('To')}\r\nCall-ID: ${callId}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n`, target.sipPort);
    }
    await pause(1500);
    const lookups = target.dnsLookups().filter((name) => name === host);
    findings.record('final response', answer?.status ?? 'none');
    findings.record('dns lookups of the name', lookups.length);
    findings.expectThat(answer !== undefined && answer.status >= 400 && answer.status < 500, `c=IN IP4 ${host} was answered ${answer?.status ?? 'never'}, not 4xx`);
    findings.expectThat(lookups.length === 0, `the gateway looked up ${host} in DNS`);
  } finally {
    attacker.close();
  }
  return findings.result;
}
