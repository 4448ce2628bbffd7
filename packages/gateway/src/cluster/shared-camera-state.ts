import type { CameraStatus, OutputState } from '@camgate/protocol';
import type { Camera, CameraStatusPart } from '../camera/camera.ts';
import { brightestLed } from '../camera/device/led-indicator.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { TypedEmitter } from '../core/typed-emitter.ts';
import type { NodeLive, SharedState } from './shared-state.ts';

export const SHARED_STATE_UNREACHABLE = 'shared state unreachable';

/** A running camera as the shared state sees it. */
export interface SharedCamera {
  readonly id: string;
  readonly camera: Pick<Camera, 'on' | 'status' | 'settings' | 'closed'>;
}

export interface SharedCameraStateEvents extends Record<string, unknown[]> {
  /** These cameras' merged status changed through another node (or the shared state's health): tell local watchers. */
  changed: [cameraIds: string[]];
}

/**
 * Joins this node's cameras to the shared state: publishes their live state (LEDs, outputs,
 * calls) and their Set / stored settings, takes other nodes' settings, and merges every
 * node's live state into a camera's status (all calls, the brightest LED, each output as
 * last switched).
 */
export class SharedCameraState extends TypedEmitter<SharedCameraStateEvents> {
  readonly #cameras = new Map<string, SharedCamera>();
  readonly #log: Logger;

  constructor(
    private readonly shared: SharedState,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    super({ logger });
    this.#log = logger.child({ component: 'shared-cameras' });
    shared.on('peer-live', (cameraIds) => this.safeEmit('changed', cameraIds));
    shared.on('health', () => this.safeEmit('changed', [...this.#cameras.keys()]));
    shared.on('settings', (cameraId) => this.#adopt(cameraId));
  }

  get node(): string {
    return this.shared.node;
  }

  /** A camera started here (again): takes the cluster's settings of it and publishes its changes. */
  attach(unit: SharedCamera): void {
    this.#cameras.set(unit.id, unit);
    this.#adopt(unit.id);
    const { camera } = unit;
    const publish = () => this.#publishLive();
    camera.on('led', publish);
    camera.on('output', publish);
    camera.on('call:update', publish);
    camera.on('call:ended', publish);
    camera.settings.on('change', (view, origin) => {
      if (origin !== 'local') return;
      this.shared.publishSettings(unit.id, { running: view.running, stored: view.stored, at: this.clock.now(), node: this.node });
    });
    this.#publishLive();
  }

  /** Cameras removed from this node: their live state goes, their settings are forgotten cluster-wide. */
  retain(cameraIds: readonly string[]): void {
    const kept = new Set(cameraIds);
    const removed = [...this.#cameras.keys()].filter((id) => !kept.has(id));
    for (const id of removed) {
      this.#cameras.delete(id);
      this.shared.forgetSettings(id);
    }
    if (removed.length > 0) this.#publishLive();
  }

  /** The camera's own status part merged with what the other nodes report of the same camera. */
  merge(cameraId: string, own: CameraStatusPart): CameraStatusPart & Pick<CameraStatus, 'cluster'> {
    const health = this.shared.health;
    if (health === 'off') return own;
    const peers = this.shared.peerLive(cameraId);
    const outputs = new Map<string, OutputState>(own.outputs.map((output) => [output.name, output]));
    for (const { live } of peers) {
      for (const output of live.outputs) {
        // One camera, one door: the state last switched, on whichever node, is the door's.
        if (output.changedAt > (outputs.get(output.name)?.changedAt ?? -Infinity)) outputs.set(output.name, output);
      }
    }
    return {
      ...own,
      led: brightestLed([own.led, ...peers.map(({ live }) => live.led)]),
      outputs: [...outputs.values()],
      calls: [...own.calls.map((call) => ({ ...call, node: this.node })), ...peers.flatMap(({ node, live }) => live.calls.map((call) => ({ ...call, node })))],
      warnings: health === 'unreachable' ? [...own.warnings, SHARED_STATE_UNREACHABLE] : own.warnings,
      cluster: { node: this.node, sharedState: health },
    };
  }

  /** Calls of the camera other nodes run, as last heard (busy policy 'reject' counts them). */
  callsElsewhere(cameraId: string): number {
    return this.shared.peerLive(cameraId).reduce((sum, { live }) => sum + live.calls.length, 0);
  }

  #publishLive(): void {
    const cameras: NodeLive['cameras'] = {};
    for (const [id, { camera }] of this.#cameras) {
      if (camera.closed) continue;
      const { led, outputs, calls } = camera.status();
      cameras[id] = { led, outputs, calls };
    }
    this.shared.publishLive(cameras);
  }

  #adopt(cameraId: string): void {
    const unit = this.#cameras.get(cameraId);
    const settings = this.shared.settings(cameraId);
    if (!unit || unit.camera.closed || !settings) return;
    const current = unit.camera.settings;
    if (JSON.stringify([current.running, current.stored]) === JSON.stringify([settings.running, settings.stored])) return;
    current.adopt(settings.running, settings.stored);
    this.#log.info({ cameraId, from: settings.node }, 'settings taken from the shared state');
  }
}
