import { randomBytes } from 'node:crypto';
import {
  CallInfoSchema,
  IncomingCallsSettingsSchema,
  LedStateSchema,
  OutputStateSchema,
  type SharedStateHealth,
} from '@camgate/protocol';
import { z } from 'zod';
import { TypedEmitter } from '../core/typed-emitter.ts';

/** What one node reports of one camera: the LEDs, outputs and calls it runs. */
export const NodeCameraLiveSchema = z.object({
  led: LedStateSchema,
  outputs: z.array(OutputStateSchema),
  calls: z.array(CallInfoSchema),
});
export type NodeCameraLive = z.infer<typeof NodeCameraLiveSchema>;

/** One node's live state of all its cameras, as it publishes it. */
export const NodeLiveSchema = z.object({
  node: z.string().min(1).max(64),
  cameras: z.record(z.string(), NodeCameraLiveSchema),
});
export type NodeLive = z.infer<typeof NodeLiveSchema>;

/** A camera's Set (running) and stored settings as the cluster knows them; the newest `at` wins. */
export const SharedSettingsSchema = z.object({
  running: IncomingCallsSettingsSchema,
  stored: IncomingCallsSettingsSchema,
  /** When the Set or store happened (epoch ms of the node that made it). */
  at: z.number(),
  node: z.string(),
});
export type SharedSettings = z.infer<typeof SharedSettingsSchema>;

export interface SharedStateEvents extends Record<string, unknown[]> {
  /** Reachability of the shared state changed. */
  health: [health: SharedStateHealth];
  /** Another node's live state of these cameras changed, or the node vanished. */
  'peer-live': [cameraIds: string[]];
  /** A camera's settings changed on another node (or were found newer than ours on reconnect). */
  settings: [cameraId: string, settings: SharedSettings];
}

/**
 * The state several gateways share: each node's live camera state, the cameras' running
 * settings and the SIP digest nonce secret. Reads are synchronous from what the node last
 * heard (so calls never wait for the network); writes go out in the background and are
 * repeated after a reconnect.
 */
export interface SharedState extends TypedEmitter<SharedStateEvents> {
  readonly node: string;
  readonly health: SharedStateHealth;
  /** Connects (bounded wait); an unreachable store is not an error: the node runs on what it knows. */
  start(): Promise<void>;
  /** This node's live state of all its cameras (replaces the previous one). */
  publishLive(cameras: NodeLive['cameras']): void;
  /** Other nodes' live state of one camera, of nodes heard from recently. */
  peerLive(cameraId: string): { node: string; live: NodeCameraLive }[];
  /** A Set or store made on this node. */
  publishSettings(cameraId: string, settings: SharedSettings): void;
  /** The newest settings of a camera the cluster knows; undefined when none were shared. */
  settings(cameraId: string): SharedSettings | undefined;
  /** The camera was removed: its settings are forgotten (a new camera of that id starts from its own). */
  forgetSettings(cameraId: string): void;
  /** The HMAC key of SIP digest nonces, one per cluster (a nonce from one node verifies on another). */
  digestSecret(): Buffer;
  close(): Promise<void>;
}

/** A single gateway: nothing is shared (a camera's settings live in it alone), nothing can be unreachable. */
export class LocalSharedState extends TypedEmitter<SharedStateEvents> implements SharedState {
  readonly health = 'off';
  readonly #secret = randomBytes(32);

  constructor(readonly node: string) {
    super();
  }

  async start(): Promise<void> {}

  publishLive(): void {}

  peerLive(): { node: string; live: NodeCameraLive }[] {
    return [];
  }

  publishSettings(): void {}

  settings(): SharedSettings | undefined {
    return undefined;
  }

  forgetSettings(): void {}

  digestSecret(): Buffer {
    return this.#secret;
  }

  async close(): Promise<void> {
    this.removeAllListeners();
  }
}

/** Is `a` newer than `b` (ties broken by node name, so every node picks the same)? */
export function newerSettings(a: SharedSettings, b: SharedSettings | undefined): boolean {
  return b === undefined || a.at > b.at || (a.at === b.at && a.node > b.node);
}
