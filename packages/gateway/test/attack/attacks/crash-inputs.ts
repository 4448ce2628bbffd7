/**
 * Issue #9, "dies from": one unauthenticated socket.io connection whose session cookie does
 * not percent-decode, and one UDP INVITE whose SDP says `m=audio 65536`.
 */
import { connected, liveSocket } from '../support/live.ts';
import { Findings, type AttackResult } from '../support/result.ts';
import { pause } from '../support/serving.ts';
import { sdpOffer, UdpSipPeer } from '../support/sip.ts';
import type { GatewayTarget } from '../support/target.ts';

/** `Cookie: camgate_session=%E0%A4%A` on a socket.io handshake (decodeURIComponent throws on it). */
export async function undecodableSessionCookie(target: GatewayTarget, from: string): Promise<AttackResult> {
  const findings = new Findings();
  const socket = liveSocket(target, from, { cookie: 'camgate_session=%E0%A4%A' });
  findings.record('connected', String(await connected(socket)));
  await pause(1000);
  socket.close();
  findings.expectThat(target.alive, 'the gateway died of a socket.io handshake with an undecodable session cookie');
  return findings.result;
}

/** One INVITE over UDP whose SDP media port is 65536 (out of range, still a number). */
export async function outOfRangeMediaPort(target: GatewayTarget, from: string): Promise<AttackResult> {
  const findings = new Findings();
  const peer = await UdpSipPeer.open(from);
  const callId = peer.request('INVITE', target.sipUri, target.sipPort, { user: 'attacker', sdp: sdpOffer(from, 65536) });
  const answer = await peer.finalResponse(callId, 5000);
  await pause(2000); // the 200 OK (if any) made the media layer send to port 65536
  peer.close();
  findings.record('final response', answer?.status ?? 'none');
  findings.expectThat(target.alive, 'the gateway died of an INVITE with m=audio 65536');
  findings.expectThat(answer !== undefined && answer.status >= 400 && answer.status < 500, `m=audio 65536 was answered ${answer?.status ?? 'never'}, not 4xx`);
  return findings.result;
}
