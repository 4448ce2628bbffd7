/**
 * RedisSharedState against a real redis-server: what several gateways share (issue #12) —
 * one digest nonce secret, a dead node's calls vanishing, the newest settings winning after
 * an outage.
 */
import { FACTORY_SETTINGS, type CallInfo } from '@camgate/protocol';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisSharedState } from '../../src/cluster/redis-shared-state.ts';
import type { SharedSettings } from '../../src/cluster/shared-state.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import { answerChallenge, DigestAuthority, parseChallenge } from '../../src/sip/ua/digest.ts';
import { eventually } from '../support/gateway.ts';
import { RedisServer } from '../support/redis.ts';

const logger = createLogger(process.env.CAMGATE_TEST_LOG ?? 'silent');
const TIMINGS = { heartbeatMs: 200, liveTtlMs: 1500, connectWaitMs: 3000 };

const call: CallInfo = {
  callId: 'ghost-call', caller: 'sip:alice@example.com', transport: 'udp', phase: 'connected', audioMode: 'none',
  startedAt: 1, endsAt: null, led: 'connected', selectedCommand: null,
};

describe('RedisSharedState (real redis-server)', () => {
  let redis: RedisServer;
  const states: RedisSharedState[] = [];
  const node = async (name: string) => {
    const state = new RedisSharedState({ url: redis.url, node: name, clock: systemClock, logger, timings: TIMINGS });
    states.push(state);
    await state.start();
    return state;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterEach(async () => {
    for (const state of states.splice(0)) await state.close();
    await redis.start();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('one digest nonce secret per cluster: a nonce node A issued verifies on node B', async () => {
    const [a, b] = [await node('a'), await node('b')];
    expect(a.health).toBe('ok');
    const authority = (state: RedisSharedState) => new DigestAuthority({ realm: 'camgate', clock: systemClock, secret: () => state.digestSecret() });
    const challenge = parseChallenge(authority(a).challenge(false, 'call-1/127.0.0.1')[0]!)!;
    const header = answerChallenge(challenge, { method: 'INVITE', uri: 'sip:camera@127.0.0.1' }, { username: 'door', password: 'secret-1' });
    const verdict = authority(b).verify(header, { method: 'INVITE', binding: 'call-1/127.0.0.1' }, () => ({ password: 'secret-1' }));
    expect(verdict).toEqual({ ok: true, username: 'door' });
  });

  it('a node started while Redis is down runs on its own, then joins by itself when Redis comes', async () => {
    await redis.stop();
    const late = await node('late'); // waits connectWaitMs at most, and does not throw
    expect(late.health).toBe('unreachable');
    await redis.start();
    await eventually(() => late.health === 'ok', 10_000, 'late node joins');
    // Its nonces and those of a node started now are signed with one key.
    expect((await node('next')).digestSecret().equals(late.digestSecret())).toBe(true);
  });

  it('a node that stops refreshing its live state (crashed) loses its calls on the other nodes within the TTL', async () => {
    const b = await node('b');
    const ghost = new Redis(redis.url);
    try {
      const live = JSON.stringify({ node: 'ghost', cameras: { camera: { led: 'connected', outputs: [], calls: [call] } } });
      await ghost.multi().set('camgate:live:ghost', live, 'PX', TIMINGS.liveTtlMs).publish('camgate:live', live).exec();
      await eventually(() => b.peerLive('camera').length === 1, 3000, 'B hears the ghost');
      expect(b.peerLive('camera')[0]).toEqual({ node: 'ghost', live: { led: 'connected', outputs: [], calls: [call] } });
      // No refresh: the key expires, and B drops the node's calls with it.
      await eventually(() => b.peerLive('camera').length === 0, TIMINGS.liveTtlMs + 3000, 'ghost gone');
    } finally {
      ghost.disconnect();
    }
  });

  it('a live state that fails the schema is ignored', async () => {
    const b = await node('b');
    const other = new Redis(redis.url);
    try {
      await other.publish('camgate:live', JSON.stringify({ node: 'x', cameras: { camera: { led: 'purple', outputs: [], calls: [] } } }));
      await other.publish('camgate:live', 'not json');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(b.peerLive('camera')).toEqual([]);
    } finally {
      other.disconnect();
    }
  });

  it('Redis away: the node says unreachable and keeps its settings; back: the newest change wins everywhere; a removed camera\'s are forgotten', async () => {
    const [a, b] = [await node('a'), await node('b')];
    const older: SharedSettings = { running: { ...FACTORY_SETTINGS, pin: '1111' }, stored: FACTORY_SETTINGS, at: 1000, node: 'b' };
    const newer: SharedSettings = { running: { ...FACTORY_SETTINGS, pin: '2222' }, stored: FACTORY_SETTINGS, at: 2000, node: 'a' };
    b.publishSettings('camera', older);
    await eventually(() => a.settings('camera')?.running.pin === '1111', 3000, 'A hears B\'s Set');
    const secret = a.digestSecret();

    await redis.stop(); // comes back empty: no persistence
    await eventually(() => a.health === 'unreachable' && b.health === 'unreachable', 5000, 'both notice');
    a.publishSettings('camera', newer); // made during the outage
    expect(a.settings('camera')?.running.pin).toBe('2222');
    expect(b.settings('camera')?.running.pin).toBe('1111');

    await redis.start();
    await eventually(() => a.health === 'ok' && b.health === 'ok', 10_000, 'both reconnect');
    await eventually(() => b.settings('camera')?.running.pin === '2222', 5000, 'B takes the newer Set');
    expect(a.settings('camera')?.running.pin).toBe('2222');
    const check = new Redis(redis.url);
    try {
      expect(JSON.parse((await check.hget('camgate:settings', 'camera'))!)).toMatchObject({ at: 2000, node: 'a' });
      // Redis came back empty, yet the nonce key is the one before: nonces already out stay good.
      expect(Buffer.from((await check.get('camgate:digest-secret'))!, 'hex').equals(secret)).toBe(true);
      expect(b.digestSecret().equals(secret)).toBe(true);

      // The camera removed on A: every node forgets its settings, so a new camera of that id starts afresh.
      a.forgetSettings('camera');
      await eventually(() => b.settings('camera') === undefined, 3000, 'B forgets');
      expect(await check.hget('camgate:settings', 'camera')).toBeNull();
    } finally {
      check.disconnect();
    }
  });
});
