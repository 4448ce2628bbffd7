import type { CallInfo, OutputState, SharedStateHealth } from '@camgate/protocol';
import { describe, expect, it } from 'vitest';
import type { CameraStatusPart } from '../../../src/camera/camera.ts';
import { SharedCameraState } from '../../../src/cluster/shared-camera-state.ts';
import { LocalSharedState, type NodeCameraLive, type SharedState, type SharedStateEvents } from '../../../src/cluster/shared-state.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { createLogger } from '../../../src/core/logger.ts';
import { TypedEmitter } from '../../../src/core/typed-emitter.ts';

const logger = createLogger('silent');

/** The shared state as a node last heard it: fixed peers and health (the Redis side has its own test). */
class HeardSharedState extends TypedEmitter<SharedStateEvents> implements SharedState {
  readonly node = 'node-b';
  constructor(
    readonly heard: Record<string, { node: string; live: NodeCameraLive }[]>,
    readonly health: SharedStateHealth,
  ) {
    super();
  }
  async start(): Promise<void> {}
  publishLive(): void {}
  peerLive(cameraId: string) {
    return this.heard[cameraId] ?? [];
  }
  publishSettings(): void {}
  forgetSettings(): void {}
  settings(): undefined {
    return undefined;
  }
  digestSecret(): Buffer {
    return Buffer.alloc(32);
  }
  async close(): Promise<void> {}
}

const call = (callId: string, led: CallInfo['led']): CallInfo => ({
  callId, caller: 'sip:alice@example.com', transport: 'udp', phase: 'connected', audioMode: 'none', startedAt: 1, endsAt: null, led, selectedCommand: null,
});
const door = (active: boolean, changedAt: number): OutputState => ({ name: 'door', active, changedAt, offAt: null });
const light = (active: boolean, changedAt: number): OutputState => ({ name: 'light', active, changedAt, offAt: null });

const own: CameraStatusPart = {
  led: 'pin',
  calls: [call('b-1', 'pin')],
  outputs: [door(false, 100), light(true, 300)],
  internet: 'unknown',
  lastEventAt: null,
  warnings: [],
  settingsDirty: false,
};

describe('SharedCameraState.merge: one camera, its calls on several gateways', () => {
  it('shows every node\'s calls (each naming its node), the brightest LED and each output as last switched', () => {
    const shared = new HeardSharedState({ camera: [{ node: 'node-a', live: { led: 'connected', calls: [call('a-1', 'connected')], outputs: [door(true, 200), light(false, 250)] } }] }, 'ok');
    const merged = new SharedCameraState(shared, new FakeClock(), logger).merge('camera', own);
    expect(merged.calls.map((c) => [c.callId, c.node])).toEqual([['b-1', 'node-b'], ['a-1', 'node-a']]);
    expect(merged.led).toBe('connected');
    // Node A opened the door after B closed it; B switched the light on after A's "off".
    expect(merged.outputs).toEqual([door(true, 200), light(true, 300)]);
    expect(merged.cluster).toEqual({ node: 'node-b', sharedState: 'ok' });
    expect(merged.warnings).toEqual([]);
  });

  it('says "shared state unreachable" while Redis is away', () => {
    const merged = new SharedCameraState(new HeardSharedState({}, 'unreachable'), new FakeClock(), logger).merge('camera', own);
    expect(merged.warnings).toEqual(['shared state unreachable']);
    expect(merged.cluster).toEqual({ node: 'node-b', sharedState: 'unreachable' });
    expect(merged.calls).toHaveLength(1);
  });

  it('a single gateway\'s status stays exactly as it was', () => {
    expect(new SharedCameraState(new LocalSharedState('solo'), new FakeClock(), logger).merge('camera', own)).toBe(own);
  });
});
