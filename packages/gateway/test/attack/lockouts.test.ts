/**
 * Issue #9 — "lock-outs": 100 parallel wrong admin logins then the right one from the SAME
 * attacker must not get in (429), but the owner from ANOTHER address still signs in; a
 * stranger rotating From through one source cannot lock out the owner calling from another
 * source, and gets bounded guesses; a restart (kill -9 + start on the same data dir) keeps
 * the lock-outs and the admin session; a WebSocket digest is not accepted again for a new
 * call from another address; repeated failed digests lead to a lock-out.
 *
 * The tests of this file build on each other (the restart checks the earlier lock-outs).
 */
import { describe, expect, it } from 'vitest';
import { adminLoginFlood, failedDigestsLockOut, pinGuessingRotatingFrom, replayedDigest, restartKeepsLockouts } from './attacks/lockouts.ts';
import { source } from './support/sources.ts';
import { attackTarget } from './support/lifecycle.ts';
import { OWNER_PHONE_HOST, stillServing } from './support/serving.ts';

// Sources of this file: 127.0.0.60-69 (the owner's phone: 127.0.0.1, see OWNER_PHONE_HOST).
const ATTACKER = source(60);
const OWNER = source(61);
const OWNER_PHONE = OWNER_PHONE_HOST;
const STRANGER = source(62);
const REPLAYER = source(63);
const serving = { monitor: source(64), caller: source(65) };

describe('attack: lock-outs that lock out the wrong person, or nobody', () => {
  const target = attackTarget({}, { revive: false });
  let ownerCookie: string | undefined;

  it('answers 429 to the attacker after 100 parallel wrong admin passwords, and lets the owner in from another address', async () => {
    const attack = await adminLoginFlood(target(), { attacker: ATTACKER, owner: OWNER, attempts: 100 });
    ownerCookie = attack.ownerCookie;
    expect(attack.problems).toEqual([]);
  });

  it('gives a stranger rotating its From (even the owner\'s) at most 5 PIN guesses, and still lets the owner in', async () => {
    const attack = await pinGuessingRotatingFrom(target(), { stranger: STRANGER, owner: OWNER_PHONE, calls: 4 });
    expect(attack.problems).toEqual([]);
  }, 120_000);

  it('keeps the lock-outs and the admin session across kill -9 and a restart', async () => {
    await target().revive();
    const attack = await restartKeepsLockouts(target(), { attacker: ATTACKER, stranger: STRANGER, ownerCookie });
    expect(attack.problems).toEqual([]);
  }, 90_000);

  it('does not accept a softphone\'s digest again for a new call from another address', async () => {
    await target().revive();
    const attack = await replayedDigest(target(), { owner: OWNER, replayer: REPLAYER, username: 'frontdoor', password: 'frontdoor-password' });
    expect(attack.problems).toEqual([]);
  });

  it('locks out an address after repeated failed digests', async () => {
    await target().revive();
    const attack = await failedDigestsLockOut(target(), { guesser: REPLAYER, username: 'backdoor', password: 'backdoor-password', attempts: 10 });
    expect(attack.problems).toEqual([]);
    expect(await stillServing(target(), serving)).toEqual([]);
  });
});
