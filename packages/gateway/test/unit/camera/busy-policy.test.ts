import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_QUEUED_CALLS } from '../../../src/camera/camera.ts';
import { createCameraFixture, incoming, settle, type CameraFixture } from './camera-fixture.ts';
import { FakeCallPort } from './fake-call-port.ts';

describe('busy policy: a call while another one runs', () => {
  let f: CameraFixture;
  beforeEach(async () => {
    f = await createCameraFixture();
  });
  afterEach(() => f.close());

  /** Offers a call; starts it when accepted. */
  const offer = (callId: string) => {
    const request = incoming(callId, { uri: `sip:${callId}@192.0.2.10` });
    const decision = f.camera.decide(request);
    if (!decision.accept) return { decision, port: null, call: null };
    const port = new FakeCallPort(callId);
    return { decision, port, call: f.camera.startCall(port, request) };
  };

  it('reject: the second caller is refused as busy (486) and logged so', async () => {
    f.configure({ pin: '', welcomeMessageId: null, busy: { policy: 'reject', queueSeconds: 60 } });
    await f.call('first');
    expect(offer('second').decision).toEqual({ accept: false, reason: 'busy' });
    expect(await f.store.rejectedCalls.list(10)).toEqual([expect.objectContaining({ reason: 'busy', count: 1 })]);
  });

  it('queue: the second caller rings until the first ends, then is answered', async () => {
    f.configure({ pin: '', welcomeMessageId: null, busy: { policy: 'queue', queueSeconds: 60 } });
    const first = await f.call('first');
    const second = offer('second');
    expect(second.decision).toEqual({ accept: true, ring: true }); // 180 Ringing while it waits
    f.clock.advance(30_000);
    await settle();
    expect(second.port!.answered).toBe(false);
    expect(second.call!.info.phase).toBe('ringing');
    first.call.ended('completed');
    f.clock.advance(0); // ring time 0
    await settle();
    expect(second.port!.answered).toBe(true);
    expect(second.call!.info.phase).toBe('connected');
  });

  it('queue: a caller gives up after queueSeconds, and the queue is bounded', async () => {
    f.configure({ pin: '', welcomeMessageId: null, busy: { policy: 'queue', queueSeconds: 20 } });
    await f.call('first');
    const waiting = Array.from({ length: MAX_QUEUED_CALLS }, (_, i) => offer(`wait-${i}`));
    expect(waiting.every((w) => w.decision.accept)).toBe(true);
    expect(offer('one-too-many').decision).toEqual({ accept: false, reason: 'busy' });
    f.clock.advance(20_000);
    await settle();
    for (const w of waiting) {
      expect(w.port!.answered).toBe(false);
      expect(w.port!.hungUp).toBe('busy');
    }
    expect(f.clock.pendingTimers).toBeGreaterThan(0); // the first call's own timers run on
  });

  it('allow: both calls run at once', async () => {
    f.configure({ pin: '', welcomeMessageId: null, busy: { policy: 'allow', queueSeconds: 60 } });
    await f.call('first');
    const second = offer('second');
    expect(second.decision).toEqual({ accept: true, ring: false });
    f.clock.advance(0); // ring time 0
    await settle();
    expect(second.port!.answered).toBe(true);
    expect(f.camera.calls).toHaveLength(2);
  });
});
