/**
 * Issue #9 — the gateway "reflects": one INVITE, never ACKed, whose SDP names a third
 * address (a UDP socket of ours on another 127.0.0.x) must send that address no RTP (or only
 * a handful of packets) and no BYE retransmission storm; a host name in c= is refused (4xx)
 * and no DNS lookup happens (a probe preloaded into the gateway process reports lookups).
 */
import { describe, expect, it } from 'vitest';
import { hostNameInConnectionLine, unackedInviteNamesVictim } from './attacks/reflection.ts';
import { source } from './support/sources.ts';
import { attackTarget } from './support/lifecycle.ts';
import { stillServing } from './support/serving.ts';

// Sources of this file: 127.0.0.30-39.
const ATTACKER = source(30);
const VICTIM = source(31);
const serving = { monitor: source(32), caller: source(33) };

describe('attack: the gateway as a reflector towards a third address', () => {
  const target = attackTarget();

  it('sends (almost) no RTP to the third address named by an INVITE that is never ACKed', async () => {
    // 8 s here; `npm run bench -- attack` watches past Timer H (32 s) for the BYE as well.
    const attack = await unackedInviteNamesVictim(target(), { attacker: ATTACKER, victim: VICTIM, observeMs: 8000 });
    expect(attack.problems).toEqual([]);
    expect(await stillServing(target(), serving)).toEqual([]);
  });

  it('refuses a host name in c= with a 4xx, without asking DNS', async () => {
    const attack = await hostNameInConnectionLine(target(), { attacker: ATTACKER });
    expect(attack.problems).toEqual([]);
    expect(await stillServing(target(), serving)).toEqual([]);
  });
});
