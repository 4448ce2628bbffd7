import type { CallAudioEngine } from '../media/rtp-audio-engine.ts';
import type { IncomingCall as CameraIncoming } from '../camera/call-port.ts';
import type { Camera } from '../camera/camera.ts';
import type { CallOutDialer, DialAttempt, DialRequest, DialResult } from '../camera/call-out/dialer.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { MediaService } from '../media/media-service.ts';
import { NameAddr, parseSipUri, SipUri, type Uri } from '../sip/message/index.ts';
import type { SipStack } from '../sip/sip-stack.ts';
import { destinationFor } from '../sip/transport/destination.ts';
import { isConnectionDestination, isWebSocket, type Destination } from '../sip/transport/transport.ts';
import type { ClientCredentials } from '../sip/ua/digest.ts';
import type { OutgoingCall } from '../sip/ua/outgoing-call.ts';
import type { RegistrarAddress } from '../sip/ua/registration.ts';
import { CallBridge } from './call-bridge.ts';

/** The SIP provider account phone numbers are called through. */
export interface ProviderAccount {
  registrar: RegistrarAddress;
  aor: string;
  username: string;
  password: string;
}

/** Where one softphone account's browsers are: their registered Contacts and WebSockets. */
export interface SoftphoneBinding {
  contact: Uri;
  destination: Destination;
}

export interface CallOutDialerOptions {
  camera: Camera;
  /** The camera's id in the media layer (its Router). */
  cameraId: string;
  /** Shown to the callee as the caller. */
  cameraName: string;
  sip: SipStack;
  media: MediaService;
  clock: Clock;
  logger: Logger;
  /** Our own SIP address host (From of direct calls). */
  localHost: string;
  createAudio(callId: string): CallAudioEngine;
  loadMessage(messageId: string): Promise<{ name: string; samples: Int16Array } | null>;
  provider(): ProviderAccount | undefined;
  /** The browsers registered with a softphone account (all of them ring). */
  softphoneBindings(account: string): SoftphoneBinding[];
}

interface Route {
  target: Uri;
  destination: Destination;
  from: NameAddr;
  credentials?: ClientCredentials;
  throughProvider: boolean;
}

/**
 * Places the camera's call-outs over SIP: resolves a profile target (SIP address, phone number
 * through the provider, softphone account), calls it, and once answered joins media (the
 * callee's 2xx offer answered like an incoming offer) and the camera's call logic.
 */
export class SipCallOutDialer implements CallOutDialer {
  readonly #o: CallOutDialerOptions;
  readonly #log: Logger;
  readonly #bridges = new Set<CallBridge>();

  constructor(options: CallOutDialerOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'call-out-dialer' });
  }

  /** Calls the target; a softphone account's browsers (tabs) all ring, the first to answer takes it. */
  dial(request: DialRequest): DialAttempt {
    let routes: Route[];
    try {
      routes = this.#routes(request.target);
    } catch (error) {
      this.#log.warn({ target: request.target, err: (error as Error).message }, 'target cannot be called');
      return { callId: null, cancel: () => undefined, result: Promise.resolve({ answered: false, failure: 'unreachable', status: 0 }) };
    }
    const calls = routes.map((route) => {
      const call = this.#o.sip.call({ target: route.target, from: route.from, destination: route.destination, ...(route.credentials && { credentials: route.credentials }) });
      call.on('progress', () => request.onRinging());
      return { call, route };
    });
    let cancelled = false;
    return {
      callId: calls[0]!.call.callId,
      cancel: () => {
        cancelled = true;
        for (const { call } of calls) call.cancel();
      },
      result: this.#firstAnswer(calls).then((answered) => {
        if ('failure' in answered) return answered;
        return this.#join(answered.call, answered.offer, answered.route, request, () => cancelled);
      }),
    };
  }

  /** Hangs up every answered call-out (gateway shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.#bridges].map((bridge) => bridge.shutdown()));
    this.#bridges.clear();
  }

  /** The first of the forked calls to answer (the others are cancelled), or the first failure when none does. */
  #firstAnswer(calls: { call: OutgoingCall; route: Route }[]): Promise<{ call: OutgoingCall; route: Route; offer: string } | DialResult & { answered: false }> {
    return new Promise((resolve) => {
      let pending = calls.length;
      let failure: (DialResult & { answered: false }) | undefined;
      for (const { call, route } of calls) {
        void call.result.then((result) => {
          pending--;
          if (result.answered) {
            for (const other of calls) if (other.call !== call) other.call.cancel();
            resolve({ call, route, offer: result.offer });
            return;
          }
          if (!failure || failure.failure === 'cancelled') failure = { answered: false, failure: result.failure, status: result.status };
          if (pending === 0) resolve(failure);
        });
      }
    });
  }

  /** The callee answered with `offer`: media, ACK with our answer, then the camera's call logic. */
  async #join(call: OutgoingCall, offer: string, route: Route, request: DialRequest, cancelled: () => boolean): Promise<DialResult> {
    const { callId } = call;
    const audio = this.#o.createAudio(callId);
    let media;
    try {
      media = await this.#o.media.answer({
        callId,
        cameraId: this.#o.cameraId,
        kind: isWebSocket(call.transport) ? 'webrtc' : 'sip',
        offerSdp: offer,
        audio,
        ...(!route.throughProvider && !isConnectionDestination(route.destination) && { signallingAddress: route.destination.host }),
      });
    } catch (error) {
      void audio.close();
      this.#log.info({ callId, err: (error as Error).message }, 'callee offer not acceptable; hanging up');
      void call.hangup('media not acceptable');
      return { answered: false, failure: 'rejected', status: 488 };
    }
    if (cancelled() || call.state === 'terminated') {
      media.close();
      void audio.close();
      void call.hangup('cancelled');
      return { answered: false, failure: 'cancelled', status: 487 };
    }
    call.acknowledge(media.answerSdp);
    media.confirmPeer(); // we called them: their address is the one we chose
    const bridge = new CallBridge({ sip: call, media, audio, clock: this.#o.clock, logger: this.#o.logger, loadMessage: this.#o.loadMessage });
    this.#bridges.add(bridge);
    call.once('ended', () => this.#bridges.delete(bridge));
    if (request.speakText !== '') await bridge.say(request.speakText);
    const incoming: CameraIncoming = {
      callId,
      caller: { uri: route.target.toString(), displayName: '', transport: call.transport },
      requestUser: '',
      sourceAddress: isConnectionDestination(route.destination) ? 'websocket' : route.destination.host,
      throughProvider: route.throughProvider,
    };
    const running = this.#o.camera.settings.running;
    const cameraCall = this.#o.camera.startCall(bridge, incoming, {
      ringSeconds: 0,
      welcomeMessageId: request.messageId,
      pin: request.requirePin ? running.pin : '',
    });
    bridge.attach(cameraCall);
    return { answered: true, call: cameraCall };
  }

  /** How to reach a profile target (every registered browser of a softphone account); throws when it cannot be reached at all. */
  #routes(target: string): Route[] {
    const from = new NameAddr(new SipUri({ user: 'camera', host: this.#o.localHost }), this.#o.cameraName);
    if (target.startsWith('softphone:')) {
      const account = target.slice('softphone:'.length);
      const bindings = this.#o.softphoneBindings(account);
      if (bindings.length === 0) throw new Error(`no browser is registered as ${account}`);
      return bindings.map((binding) => ({ target: binding.contact, destination: binding.destination, from, throughProvider: false }));
    }
    if (/^sips?:/.test(target)) {
      const uri = parseSipUri(target);
      return [{ target: uri, destination: destinationFor(uri), from, throughProvider: false }];
    }
    const provider = this.#o.provider();
    if (!provider) throw new Error('phone numbers need a SIP provider registration');
    const aor = parseSipUri(provider.aor);
    return [{
      target: new SipUri({ user: target, host: aor.host, ...(aor.port !== undefined && { port: aor.port }) }),
      destination: { protocol: provider.registrar.transport, host: provider.registrar.host, port: provider.registrar.port },
      from: new NameAddr(aor, this.#o.cameraName),
      credentials: { username: provider.username, password: provider.password },
      throughProvider: true,
    }];
  }
}
