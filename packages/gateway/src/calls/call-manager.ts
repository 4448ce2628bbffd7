import type { SettingsView } from '@camgate/protocol';
import type { CallAudioEngine } from '../media/rtp-audio-engine.ts';
import type { Camera, RejectReason } from '../camera/camera.ts';
import type { IncomingCall as CameraIncoming } from '../camera/call-port.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { MediaService } from '../media/media-service.ts';
import { SdpNegotiationError } from '../media/sdp/sdp-negotiation-error.ts';
import { isWebSocket } from '../sip/transport/transport.ts';
import type { IncomingCall as SipCall } from '../sip/ua/incoming-call.ts';
import { CallBridge, SIP_WARN_AGENT } from './call-bridge.ts';

/** SIP answers for calls the camera does not take. */
const REJECTION: Record<RejectReason, [status: number, reason: string]> = {
  busy: [486, 'Busy Here'],
  disabled: [480, 'Incoming Calls Disabled'],
  'not-accepted': [403, 'Caller Not Accepted'],
  'locked-out': [403, 'Locked Out'],
  'not-answering-to': [404, 'Not Found'],
};

export interface CallManagerOptions {
  /** The camera's media endpoint (its own mediasoup Router). */
  cameraId: string;
  camera: Camera;
  media: MediaService;
  clock: Clock;
  logger: Logger;
  /** A new camera audio endpoint for a call, in the settings' intercom configuration. */
  createAudio(callId: string): CallAudioEngine;
  loadMessage(messageId: string): Promise<{ name: string; samples: Int16Array } | null>;
}

/**
 * The call glue of one camera: every INVITE routed to it is checked by the camera's policy,
 * answered with a media session and run by the camera's call logic through a CallBridge.
 */
export class CallManager {
  readonly #bridges = new Map<string, CallBridge>();
  readonly #log: Logger;

  constructor(private readonly o: CallManagerOptions) {
    this.#log = o.logger.child({ component: 'calls' });
    o.camera.settings.on('change', this.#onSettings);
  }

  get activeCalls(): number {
    return this.#bridges.size;
  }

  async handleInvite(sip: SipCall): Promise<void> {
    const callId = sip.callId;
    const incoming: CameraIncoming = {
      callId,
      caller: {
        uri: sip.caller.uri,
        displayName: sip.caller.displayName ?? '',
        ...(sip.authenticatedUser !== undefined && { authenticatedUser: sip.authenticatedUser }),
        transport: sip.transport,
      },
      requestUser: sip.requestUser ?? '',
      sourceAddress: sip.originAddress,
      throughProvider: sip.registrationAor !== undefined,
    };
    await this.o.camera.syncLockouts(incoming);
    if (this.o.camera.closed) {
      sip.reject(503, 'Camera Restarting', [['Retry-After', '2']]);
      return;
    }
    const decision = this.o.camera.decide(incoming);
    if (!decision.accept) {
      const [status, reason] = REJECTION[decision.reason];
      sip.reject(status, reason);
      return;
    }
    if (!sip.offer) {
      // The camera never makes the first offer: every phone and browser we serve sends one.
      sip.reject(488, 'SDP Offer Required');
      return;
    }
    const audio = this.o.createAudio(callId);
    let media;
    try {
      media = await this.o.media.answer({
        callId,
        kind: isWebSocket(sip.transport) ? 'webrtc' : 'sip',
        cameraId: this.o.cameraId,
        offerSdp: sip.offer,
        audio,
        // Media flows straight between the caller and us, also when a proxy carried the signalling.
        signallingAddress: sip.originAddress,
      });
    } catch (error) {
      void audio.close();
      if (error instanceof SdpNegotiationError) {
        this.#log.info({ callId, failure: error.failure, err: error.message }, 'offer not acceptable');
        sip.reject(488, 'Not Acceptable Here', [['Warning', error.warning(SIP_WARN_AGENT)]]);
      } else {
        this.#log.error({ callId, err: error }, 'media setup failed');
        sip.reject(500, 'Media Setup Failed');
      }
      return;
    }
    if (sip.state === 'terminated') {
      // CANCELled while the media was set up.
      media.close();
      void audio.close();
      return;
    }
    const bridge = new CallBridge({ sip, media, audio, clock: this.o.clock, logger: this.o.logger, loadMessage: this.o.loadMessage });
    this.#bridges.set(callId, bridge);
    sip.on('ended', () => this.#bridges.delete(callId));
    if (decision.ring) sip.ring();
    bridge.attach(this.o.camera.startCall(bridge, incoming));
  }

  /** Set (or Factory, Restore) of the settings: running calls follow the intercom settings at once. */
  readonly #onSettings = (view: SettingsView): void => {
    for (const bridge of this.#bridges.values()) bridge.setIntercom(view.running.intercom);
  };

  /** Hangs up every call (gateway shutdown, camera removed). */
  async close(): Promise<void> {
    this.o.camera.settings.off('change', this.#onSettings);
    await Promise.all([...this.#bridges.values()].map((bridge) => bridge.shutdown()));
    this.#bridges.clear();
  }
}
