/**
 * Issue #9 — "records": a flood of rejected INVITEs (the accepted list rejects them) must
 * not evict the legitimate answered call rows in GET /api/calls; a call cut by kill -9 shows
 * as ended "gateway restarted" after restart, not "in progress"; rate-limit drops produce
 * about one log line per burst (the gateway's stdout JSON log at CAMGATE_LOG_LEVEL=info).
 */
import { describe, expect, it } from 'vitest';
import { callCutByKill, rateLimitLogLines, rejectedFloodKeepsAnsweredCalls } from './attacks/records.ts';
import { crowd, source } from './support/sources.ts';
import { attackTarget } from './support/lifecycle.ts';
import { stillServing } from './support/serving.ts';

// Sources of this file: 127.0.0.70-79 and the crowd 127.70.*.
const OWNER = source(70);
const ATTACKER = source(71);
const serving = { monitor: source(72), caller: source(73) };

describe('attack: falsifying the records the camera page shows', () => {
  const target = attackTarget();

  it('keeps the answered call in GET /api/calls after 720 rejected INVITEs', async () => {
    const attack = await rejectedFloodKeepsAnsweredCalls(target(), { owner: OWNER, sources: crowd(70, 8) });
    expect(attack.problems).toEqual([]);
    expect(await stillServing(target(), serving)).toEqual([]);
  }, 60_000);

  it('shows a call cut by kill -9 as ended "gateway restarted" after the restart', async () => {
    const attack = await callCutByKill(target(), { owner: OWNER });
    expect(attack.problems).toEqual([]);
    expect(await stillServing(target(), serving)).toEqual([]);
  }, 90_000);

  it('logs about one line for a burst of rate-limit drops', async () => {
    const attack = await rateLimitLogLines(target(), { attacker: ATTACKER, seconds: 3, perSecond: 400 });
    expect(attack.problems).toEqual([]);
    expect(await stillServing(target(), serving)).toEqual([]);
  });
});
