import type { types as ms } from 'mediasoup';
import type { VideoSourceKind } from '@camgate/protocol';
import type { TypedEmitter } from '../../core/typed-emitter.ts';

/** One run of a source: 'running' carries the Producer on the camera's Router. */
export type VideoSourceState =
  | { readonly state: 'stopped' }
  | { readonly state: 'starting' }
  | { readonly state: 'running'; readonly producer: ms.Producer }
  | { readonly state: 'unavailable'; readonly reason: string };

export type VideoSourceEvents = {
  state: [state: VideoSourceState];
};

/**
 * A camera's video: something that feeds one mediasoup Producer (kind video, H.264) on the
 * camera's Router, whatever the number of viewers or calls consuming it. `start()` resolves
 * once the source is 'running' or 'unavailable' (it never throws: a missing program or a
 * dead camera is a state with a reason). A source that stops by itself goes 'unavailable';
 * the VideoSupervisor decides about restarting it.
 */
export interface VideoSource extends Pick<TypedEmitter<VideoSourceEvents>, 'on' | 'off' | 'once'> {
  readonly kind: VideoSourceKind;
  /**
   * Every RTP packet carries exactly one whole NAL unit (no FU-A, no STAP-A): the stream is
   * valid for H.264 packetization-mode 0 as it is, so a mode-0-only phone can take it.
   */
  readonly singleNalUnits: boolean;
  readonly state: VideoSourceState;
  start(router: ms.Router): Promise<void>;
  /** Ends the run (process, transport, producer). Idempotent; start() may follow. */
  stop(): void;
  /** Stops for good and releases what the source holds (temp files). Idempotent. */
  close(): void;
  /**
   * A consumer lost the picture (PLI/FIR from a viewer or, later, a video phone). Returns
   * whether the source can answer with a key frame now; sources that cannot rely on their
   * short key-frame interval.
   */
  requestKeyFrame(): boolean;
}
