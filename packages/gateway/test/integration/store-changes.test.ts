/**
 * "This changed" announcements between gateways (cluster/store-changes.ts) over a real
 * Redis: another node hears what one commits, the announcer does not hear itself, and a
 * message that fails the schema is dropped; Redis away at start is not an error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisStoreChanges, type StoreChange } from '../../src/cluster/store-changes.ts';
import { createLogger } from '../../src/core/logger.ts';
import { eventually } from '../support/gateway.ts';
import { RedisServer } from '../support/redis.ts';

const logger = createLogger('silent');

describe('store change announcements over Redis', () => {
  let redis: RedisServer;
  const closers: (() => Promise<void>)[] = [];
  const node = async (name: string, url = redis.url) => {
    const changes = new RedisStoreChanges(url, name, logger);
    closers.push(() => changes.close());
    const heard: StoreChange[] = [];
    changes.on('change', (change) => heard.push(change));
    await changes.start();
    return { changes, heard };
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await redis?.close();
  });

  it('another node hears each change once, the announcer none; malformed messages are dropped', async () => {
    const a = await node('a');
    const b = await node('b');
    // Both subscribed: a raw client's publish reaches them.
    const raw = new Redis(redis.url);
    try {
      await eventually(async () => (await raw.pubsub('NUMSUB', 'camgate:store-changes'))[1] === 2, 5000, 'both subscribed');
      await raw.publish('camgate:store-changes', JSON.stringify({ node: 'x', change: { topic: 'camera' } }));
      await raw.publish('camgate:store-changes', 'not json');
    } finally {
      raw.disconnect();
    }
    a.changes.announce({ topic: 'camera', cameraId: 'gate' });
    a.changes.announce({ topic: 'lockout', key: 'pin:caller:+4930123 from 192.0.2.1' });
    await eventually(() => b.heard.length === 2, 5000, 'B hears both');
    expect(b.heard).toEqual([{ topic: 'camera', cameraId: 'gate' }, { topic: 'lockout', key: 'pin:caller:+4930123 from 192.0.2.1' }]);
    expect(a.heard).toEqual([]);
  });

  it('starts without Redis and hears announcements once Redis is there', async () => {
    await redis.stop();
    const late = await node('late');
    await redis.start();
    const a = await node('a2');
    await eventually(async () => {
      a.changes.announce({ topic: 'email-profiles' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      return late.heard.length > 0;
    }, 15_000, 'the late node subscribed');
    expect(late.heard[0]).toEqual({ topic: 'email-profiles' });
  }, 30_000);
});
