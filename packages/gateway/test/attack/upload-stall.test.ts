/**
 * Issue #9 — "stalls: uploading a 10 MB WAV via POST /api/messages while measuring that
 * /api/health keeps answering within ~1 s."
 */
import { describe, expect, it } from 'vitest';
import { uploadWhileHealthPolled } from './attacks/upload-stall.ts';
import { source } from './support/sources.ts';
import { attackTarget } from './support/lifecycle.ts';
import { stillServing } from './support/serving.ts';

// Sources of this file: 127.0.0.80-89.
const serving = { monitor: source(80), caller: source(81) };

describe('attack: a big upload stalls the gateway', () => {
  const target = attackTarget({}, { revive: false });

  it('keeps answering /api/health within a second while a 10 MB WAV is uploaded', async () => {
    const attack = await uploadWhileHealthPolled(target(), { uploads: 1, prober: source(82) });
    expect(attack.problems).toEqual([]);
    expect(await stillServing(target(), serving)).toEqual([]);
  }, 60_000);
});
