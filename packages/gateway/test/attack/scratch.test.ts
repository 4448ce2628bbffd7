import { it, expect } from 'vitest';
import { GatewayTarget } from './support/target.ts';
import { stillServing } from './support/serving.ts';
it('serves', async () => {
  const t = await GatewayTarget.start();
  const started = Date.now();
  expect(await stillServing(t, { monitor: '127.0.0.200', caller: '127.0.0.201' })).toEqual([]);
  console.log('check ms', Date.now() - started, 'rss', t.rssMb());
  await t.stop();
});
