/**
 * Issue #9 — "memory: TCP clients that never read their responses (send many OPTIONS over
 * TCP with a tiny receive window / paused socket) => RSS bounded, and no outbound
 * connection is dialled back to the client's Via."
 */
import { describe, expect, it } from 'vitest';
import { closedConnectionNoDialBack, clientsThatNeverRead } from './attacks/tcp-backpressure.ts';
import { crowd, source } from './support/sources.ts';
import { attackTarget } from './support/lifecycle.ts';
import { stillServing } from './support/serving.ts';

// Sources of this file: 127.0.0.40-49 and the crowd 127.40.*.
const serving = { monitor: source(40), caller: source(41) };

describe('attack: TCP clients that never read their answers', () => {
  const target = attackTarget();

  it('never dials back to the Via of a client whose connection closed', async () => {
    const attack = await closedConnectionNoDialBack(target(), { sources: crowd(41, 5) });
    expect(attack.problems).toEqual([]);
    expect(await stillServing(target(), serving)).toEqual([]);
  });

  // RSS growth is a noisy witness here: a gateway that caps what it queues per connection
  // still grows ~450 MB (the garbage of parsing 320 MB, which V8 collects late), today's
  // anywhere from 100 MB to 2 GB. The dial-backs after the clients hang up are not noisy.
  it('keeps its memory bounded while 60 paused clients ask for ~320 MB of answers', async () => {
    const attack = await clientsThatNeverRead(target(), { sources: crowd(40, 60), rounds: 2, answerBytes: 30_000, rssGrowthBoundMb: 800 });
    expect(attack.problems).toEqual([]);
    expect(await stillServing(target(), serving)).toEqual([]);
  }, 60_000);
});
