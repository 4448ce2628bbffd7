/** The vitest side of a target: one gateway process per attack file. */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { GatewayTarget, type TargetOptions } from './target.ts';

/**
 * Starts one gateway for the describe block it is called in, starts it again before each
 * attack if the previous one killed it (each attack is judged on its own; pass
 * `revive: false` when the attacks build on each other), and kills it at the end.
 * Returns a getter: `const target = attackTarget(); ... target().sipPort`.
 */
export function attackTarget(options: TargetOptions = {}, { revive = true } = {}): () => GatewayTarget {
  let target: GatewayTarget | undefined;
  beforeAll(async () => {
    target = await GatewayTarget.start(options);
  });
  if (revive) {
    beforeEach(async () => {
      await target?.revive();
    });
  }
  afterAll(async () => {
    await target?.stop();
  });
  return () => {
    if (!target) throw new Error('the gateway under attack did not start');
    return target;
  };
}
