/**
 * Issue #9, "lock-outs": sign-in and PIN lock-outs must stop the stranger and never the
 * owner, survive a restart, and a softphone's digest must work once and only for its call.
 */
import { STUB_OFFER_SDP } from '../../support/jssip.ts';
import { authorization, parseChallenge } from '../support/digest.ts';
import { OWNER_PIN, connectedOwnerCall } from './rtp-hijack.ts';
import { Findings, type AttackResult } from '../support/result.ts';
import { applySettings, callAnswered, pause, within } from '../support/serving.ts';
import { newId, ScriptedCall, sdpOffer, sipRequest, UdpSipPeer, WsSipPeer, type SipAnswer } from '../support/sip.ts';
import { ADMIN_PASSWORD, type GatewayTarget } from '../support/target.ts';
import type { CameraStatus } from '@camgate/protocol';

/** Wrong guesses a stranger may make before it is locked out (README: five). */
export const MAX_GUESSES = 5;

/**
 * `attempts` wrong admin passwords at once from `attacker`, then the right one from there
 * (must be 429) and from the owner's address (must get in). Returns the owner's cookie too.
 */
export async function adminLoginFlood(target: GatewayTarget, o: { attacker: string; owner: string; attempts: number }): Promise<AttackResult & { ownerCookie?: string }> {
  const findings = new Findings();
  const answers = await Promise.all(Array.from({ length: o.attempts }, (_, i) => target.login('admin', `wrong-password-${i}`, o.attacker)));
  const checked = answers.filter((a) => a.status === 401).length;
  const attackerRight = await target.login('admin', ADMIN_PASSWORD, o.attacker);
  const owner = await target.login('admin', ADMIN_PASSWORD, o.owner);
  findings.record('wrong passwords sent at once', o.attempts);
  findings.record('of them checked (401)', checked);
  findings.record('right password from the attacker', attackerRight.status);
  findings.record('right password from the owner', owner.status);
  findings.expectThat(checked <= MAX_GUESSES, `${checked} of ${o.attempts} parallel wrong passwords were checked (401), not at most ${MAX_GUESSES}`);
  findings.expectThat(attackerRight.status === 429, `the right password from the attacker's address was answered ${attackerRight.status}, not 429`);
  findings.expectThat(owner.status === 204, `the owner signing in from another address was answered ${owner.status}, not 204`);
  const ownerCookie = owner.headers['set-cookie']?.[0]?.split(';')[0];
  return { ...findings.result, ...(ownerCookie && { ownerCookie }) };
}

/** Wrong PINs the gateway evaluated so far: its `pin-wrong` call events (the log is the camera's own record). */
function wrongPinsLogged(target: GatewayTarget): number {
  return target.logLines().filter((line) => line.event === 'pin-wrong').length;
}

/**
 * One call of a stranger at `address` presenting `aor` as its From, typing wrong PINs as SIP
 * INFO (at most three: the third ends a call) until the call ends. False when refused.
 */
async function strangerCall(target: GatewayTarget, peer: UdpSipPeer, aor: string): Promise<boolean> {
  const call = await ScriptedCall.dial(peer, target.sipUri, target.sipPort, aor, sdpOffer(peer.address, 40_000));
  if (typeof call === 'number') return false;
  try {
    await within(10_000, async () => /welcome|pin/.test((await target.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls[0]?.phase ?? ''));
    for (let guess = 0; guess < 3 && !call.ended; guess++) {
      await call.keys('0000#');
      await pause(2000);
    }
  } finally {
    call.hangUp();
  }
  return true;
}

/**
 * A stranger at one source calls again and again, rotating its From (among them the
 * owner's own address, spoofed), typing wrong PINs. It must get at most MAX_GUESSES, and the
 * owner calling from another source must still get in with the right PIN.
 */
export async function pinGuessingRotatingFrom(target: GatewayTarget, o: { stranger: string; owner: string; calls: number }): Promise<AttackResult> {
  const findings = new Findings();
  await applySettings(target, { pin: OWNER_PIN, acceptedCallers: [] });
  const ownerAor = `sip:owner@${o.owner}`;
  const loggedBefore = wrongPinsLogged(target);
  const peer = await UdpSipPeer.open(o.stranger);
  let refusedCalls = 0;
  try {
    for (let call = 0; call < o.calls && refusedCalls === 0; call++) {
      // The owner's own address first (caller ID is free to spoof), then others.
      const aor = call < 2 ? ownerAor : `sip:rotating${call}@${o.stranger}`;
      if (!(await strangerCall(target, peer, aor))) refusedCalls++;
    }
  } finally {
    peer.close();
  }
  const guesses = wrongPinsLogged(target) - loggedBefore;
  const ownerIn = await connectedOwnerCall(target, o.owner).then(
    async (phone) => {
      await phone.hangup().catch(() => undefined);
      await phone.close();
      return 'connected';
    },
    (error: Error) => error.message,
  );
  findings.record('wrong PINs evaluated (log)', guesses);
  findings.record('stranger calls refused', refusedCalls);
  findings.record('owner', ownerIn);
  findings.expectThat(guesses > 0, 'no "pin-wrong" call event in the log: the guesses could not be counted');
  findings.expectThat(guesses <= MAX_GUESSES, `the gateway evaluated ${guesses} wrong PINs from one source, not at most ${MAX_GUESSES}`);
  findings.expectThat(ownerIn === 'connected', `the owner calling from ${o.owner} could not get in after the stranger's guesses: ${ownerIn}`);
  return findings.result;
}

/** After kill -9 and a start on the same data directory, lock-outs and the admin session hold. */
export async function restartKeepsLockouts(target: GatewayTarget, o: { attacker: string; stranger: string; ownerCookie: string | undefined }): Promise<AttackResult> {
  const findings = new Findings();
  await target.killHard();
  await target.launch();
  const session = o.ownerCookie ? await target.http('GET', '/api/session', { headers: { cookie: o.ownerCookie } }) : undefined;
  const attacker = await target.login('admin', ADMIN_PASSWORD, o.attacker);
  const stranger = await callAnswered(target, o.stranger, `sip:after-restart@${o.stranger}`);
  findings.record('owner session after restart', session?.status ?? 'no session to try');
  findings.record('attacker sign-in after restart', attacker.status);
  findings.record('stranger call after restart', stranger);
  findings.expectThat(session?.status === 200, `the owner's admin session was ${session?.status ?? 'never made'} after a restart, not 200`);
  findings.expectThat(attacker.status === 429, `the locked-out attacker was answered ${attacker.status} after a restart, not 429`);
  findings.expectThat(stranger !== 'answered', 'the PIN-locked stranger\'s source was answered again after a restart');
  return findings.result;
}

/** One INVITE over a WebSocket; returns the interesting answers (407 challenge, final). */
async function wsInvite(peer: WsSipPeer, target: GatewayTarget, o: { from: string; callId: string; cseq: number; auth?: string }): Promise<SipAnswer | undefined> {
  peer.send(
    sipRequest({
      method: 'INVITE', uri: target.sipUri, transport: 'WS', viaHost: `${newId()}.invalid`, viaPort: 0, from: o.from, fromTag: 'replayer',
      callId: o.callId, cseq: o.cseq, contact: `sip:x@${newId()}.invalid;transport=ws`, body: STUB_OFFER_SDP,
      ...(o.auth && { headers: [['Proxy-Authorization', o.auth]] }),
    }),
  );
  // The answer to this CSeq: a final one, or a 180/183 meaning the call got through.
  return peer.waitFor((m) => m.callId === o.callId && m.header('CSeq')?.startsWith(`${o.cseq} `) === true && (m.status >= 180), 8000);
}

/** An account's digest, captured from one call, replayed by another address for a new call. */
export async function replayedDigest(target: GatewayTarget, o: { owner: string; replayer: string; username: string; password: string }): Promise<AttackResult> {
  const findings = new Findings();
  await applySettings(target, { pin: '', acceptedCallers: [] });
  await target.api('PUT', `/api/softphone-accounts/${o.username}`, { password: o.password });
  const from = `sip:${o.username}@127.0.0.1`;
  const owner = await WsSipPeer.connect(o.owner, target.httpPort);
  let captured: string | undefined;
  try {
    const callId = newId();
    const challenge = await wsInvite(owner, target, { from, callId, cseq: 1 });
    if (challenge?.status !== 407) throw new Error(`no 407 challenge for a WebSocket INVITE: ${challenge?.status}`);
    captured = authorization(parseChallenge(challenge.header('Proxy-Authenticate')!), { username: o.username, password: o.password, method: 'INVITE', uri: target.sipUri });
    const first = await wsInvite(owner, target, { from, callId, cseq: 2, auth: captured });
    findings.record('owner\'s own call', first?.status ?? 'no answer');
    findings.expectThat(first !== undefined && first.status < 300, `the owner's correct digest was answered ${first?.status ?? 'never'}`);
  } finally {
    owner.close();
  }
  const replayer = await WsSipPeer.connect(o.replayer, target.httpPort);
  try {
    const replay = await wsInvite(replayer, target, { from, callId: newId(), cseq: 1, auth: captured });
    findings.record('replayed digest, new call, other address', replay?.status ?? 'no answer');
    findings.expectThat(replay !== undefined && replay.status >= 400, `a replayed digest from another address was answered ${replay?.status ?? 'never'}, not refused`);
  } finally {
    replayer.close();
  }
  return findings.result;
}

/** Wrong digests from one address until a lock-out: then even the right one is refused there. */
export async function failedDigestsLockOut(target: GatewayTarget, o: { guesser: string; username: string; password: string; attempts: number }): Promise<AttackResult> {
  const findings = new Findings();
  await target.api('PUT', `/api/softphone-accounts/${o.username}`, { password: o.password });
  const from = `sip:${o.username}@127.0.0.1`;
  const peer = await WsSipPeer.connect(o.guesser, target.httpPort);
  const attempt = async (password: string) => {
    const callId = newId();
    const challenge = await wsInvite(peer, target, { from, callId, cseq: 1 });
    if (challenge?.status !== 407) return challenge?.status ?? 'no answer';
    const auth = authorization(parseChallenge(challenge.header('Proxy-Authenticate')!), { username: o.username, password, method: 'INVITE', uri: target.sipUri });
    return (await wsInvite(peer, target, { from, callId, cseq: 2, auth }))?.status ?? 'no answer';
  };
  try {
    const wrong: (number | string)[] = [];
    for (let i = 0; i < o.attempts; i++) {
      wrong.push(await attempt(`wrong-${i}`));
      if (i % 20 === 19) await pause(1000); // two requests per guess: stay under the rate limit
    }
    const right = await attempt(o.password);
    findings.record('wrong digests sent', o.attempts);
    findings.record('answers to them', [...new Set(wrong)].join(' '));
    findings.record('the right digest afterwards', right);
    findings.expectThat(typeof right === 'number' && right >= 400, `after ${o.attempts} wrong digests the right one from the same address was answered ${right}, not refused`);
  } finally {
    peer.close();
  }
  return findings.result;
}
