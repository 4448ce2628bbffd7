import type { types as ms } from 'mediasoup';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../src/core/clock.ts';
import { createLogger } from '../../../../src/core/logger.ts';
import { TypedEmitter } from '../../../../src/core/typed-emitter.ts';
import { DEFAULT_LINGER_MS, RESTART_DELAYS_MS, VideoSupervisor } from '../../../../src/media/video/video-supervisor.ts';
import type { VideoSource, VideoSourceEvents, VideoSourceState } from '../../../../src/media/video/video-source.ts';

const logger = createLogger('silent');
const router = {} as ms.Router;
const flush = () => new Promise((resolve) => setImmediate(resolve));

/** A source under the test's control: counts starts and stops, goes running or unavailable on demand. */
class ScriptedSource extends TypedEmitter<VideoSourceEvents> implements VideoSource {
  readonly kind = 'simulated' as const;
  readonly singleNalUnits = false;
  state: VideoSourceState = { state: 'stopped' };
  starts = 0;
  stops = 0;
  keyFrameRequests = 0;
  readonly producer = new (class extends TypedEmitter<{ trace: [{ type: string }] }> {
    enableTraceEvent = async () => undefined;
    trace(type: string) {
      this.safeEmit('trace', { type });
    }
  })();

  async start(): Promise<void> {
    this.starts++;
    this.set({ state: 'starting' });
  }
  stop(): void {
    this.stops++;
    this.set({ state: 'stopped' });
  }
  close(): void {
    this.stop();
  }
  requestKeyFrame(): boolean {
    this.keyFrameRequests++;
    return false;
  }
  run(): void {
    this.set({ state: 'running', producer: this.producer as unknown as ms.Producer });
  }
  fail(reason: string): void {
    this.set({ state: 'unavailable', reason });
  }
  set(state: VideoSourceState): void {
    this.state = state;
    this.safeEmit('state', state);
  }
}

function setUp(alwaysOn = false) {
  const clock = new FakeClock(0);
  const source = new ScriptedSource();
  const supervisor = new VideoSupervisor({ cameraId: 'camera', source, router: async () => router, alwaysOn, logger, clock });
  return { clock, source, supervisor };
}

describe('VideoSupervisor: one source per camera, started on demand, restarted with back-off', () => {
  it('starts on the first viewer only, once for many, and stops a linger time after the last one left', async () => {
    const { clock, source, supervisor } = setUp();
    supervisor.start();
    await flush();
    expect(source.starts).toBe(0);
    const releaseA = supervisor.acquire();
    const releaseB = supervisor.acquire();
    await flush();
    source.run();
    expect(source.starts).toBe(1);
    releaseA();
    releaseA();
    releaseB();
    clock.advance(DEFAULT_LINGER_MS - 1);
    expect(source.stops).toBe(0);
    clock.advance(1);
    expect(source.stops).toBe(1);
    expect(supervisor.state.state).toBe('stopped');
  });

  it('keeps running through a reload: a viewer back within the linger time cancels the stop', async () => {
    const { clock, source, supervisor } = setUp();
    const release = supervisor.acquire();
    await flush();
    source.run();
    release();
    clock.advance(DEFAULT_LINGER_MS / 2);
    supervisor.acquire();
    clock.advance(DEFAULT_LINGER_MS * 2);
    expect(source.stops).toBe(0);
    expect(source.starts).toBe(1);
  });

  it('with --video-always-on runs without viewers and never stops for lack of them', async () => {
    const { clock, source, supervisor } = setUp(true);
    supervisor.start();
    await flush();
    expect(source.starts).toBe(1);
    supervisor.acquire()();
    clock.advance(DEFAULT_LINGER_MS * 3);
    expect(source.stops).toBe(0);
  });

  it('restarts an unavailable source after 1 s, 2 s, 4 s …, and not at all once nobody watches', async () => {
    const { clock, source, supervisor } = setUp();
    const release = supervisor.acquire();
    await flush();
    for (const [attempt, delay] of RESTART_DELAYS_MS.slice(0, 3).entries()) {
      source.fail('ffmpeg exited');
      clock.advance(delay - 1);
      await flush();
      expect(source.starts).toBe(attempt + 1);
      clock.advance(1);
      await flush();
      expect(source.starts).toBe(attempt + 2);
    }
    release();
    source.fail('ffmpeg exited');
    clock.advance(60_000);
    await flush();
    expect(source.starts).toBe(4);
    expect(supervisor.state.state).toBe('stopped');
  });

  it("passes a consumer's PLI or FIR to the source's key-frame hook", async () => {
    const { source, supervisor } = setUp();
    supervisor.acquire();
    await flush();
    source.run();
    source.producer.trace('pli');
    source.producer.trace('fir');
    source.producer.trace('nack');
    expect(source.keyFrameRequests).toBe(2);
  });
});
