import type { AudioMode, CallOutcome, DtmfSource } from '@camgate/protocol';
import type { CallAudioControl } from '../audio/call-audio.ts';
import type { IntercomSettings } from '../audio/intercom-gate.ts';
import type { Prompt, PromptOutcome } from '../audio/speech/prompt.ts';
import { isKey, type CallPort, type PromptResult } from '../camera/call-port.ts';
import type { CameraCall } from '../camera/camera-call.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { MediaSession } from '../media/media-session.ts';
import { SdpNegotiationError } from '../media/sdp/sdp-negotiation-error.ts';
import { SipError } from '../sip/sip-error.ts';
import type { IncomingCall as SipCall, OfferResponder } from '../sip/ua/incoming-call.ts';
import type { OutgoingCall } from '../sip/ua/outgoing-call.ts';
import { DtmfMerger } from './dtmf-merger.ts';

const BEEPS: Record<'error' | 'warning', Prompt> = {
  /** The "not acknowledged" tone: short, low, unmistakably not speech. */
  error: { kind: 'tone', frequenciesHz: [440, 350], durationMs: 180, levelDbfs: -12 },
  /** Before the time limit: a high pip that cuts through the room sound. */
  warning: { kind: 'tone', frequenciesHz: [1400], durationMs: 300, levelDbfs: -10 },
};

/** The warn-agent of our Warning headers (RFC 3261 §20.43), which say why an SDP was refused. */
export const SIP_WARN_AGENT = 'camgate';

const HANGUP_REASON: Partial<Record<CallOutcome, string>> = {
  'time-limit': 'maximum call time reached',
  'pin-failed': 'wrong PIN',
  'locked-out': 'locked out',
  'media-timeout': 'no media',
};

/** A call the camera answered, or one it placed (the callee answered it; `accept()` just confirms that). */
export type BridgedSipCall = SipCall | OutgoingCall;

export interface CallBridgeOptions {
  sip: BridgedSipCall;
  media: MediaSession;
  audio: CallAudioControl;
  clock: Clock;
  logger: Logger;
  /** A stored audio message as engine-rate samples, or null when it is gone. */
  loadMessage(messageId: string): Promise<{ name: string; samples: Int16Array } | null>;
}

/**
 * One call end to end: joins the SIP dialog, the media session and the camera's audio
 * endpoint, and is the CallPort through which the camera's call logic acts on them.
 * Whichever side ends first (BYE, camera hang-up, RTP timeout, dead worker) tears the rest
 * down once.
 */
export class CallBridge implements CallPort {
  readonly callId: string;
  readonly #o: CallBridgeOptions;
  readonly #log: Logger;
  readonly #dtmf: DtmfMerger;
  #camera: CameraCall | undefined;
  #outcome: CallOutcome | undefined;
  #closed = false;

  constructor(options: CallBridgeOptions) {
    this.#o = options;
    this.callId = options.sip.callId;
    this.#log = options.logger.child({ callId: this.callId });
    this.#dtmf = new DtmfMerger(
      () => options.clock.now(),
      (key, source) => this.#onKey(key, source),
      () => options.audio.setInbandDtmf(false),
    );
    const { sip, media, audio } = options;
    sip.on('dtmf', (key) => this.#dtmf.push(key, 'sip-info'));
    media.on('dtmf', (key) => this.#dtmf.push(key, 'rfc4733'));
    audio.on('dtmf', (key) => this.#dtmf.push(key, 'inband'));
    // The engine's audio thread died: the caller would hear nothing and no key would count.
    audio.on('failed', () => this.hangup('error'));
    sip.on('offer', (sdp: string, respond: OfferResponder) => {
      media.update(sdp).then(respond, (error: unknown) =>
        respond(
          error instanceof SdpNegotiationError
            ? new SipError(488, 'Not Acceptable Here', [['Warning', error.warning(SIP_WARN_AGENT)]])
            : new SipError(500, 'Media Update Failed'),
        ),
      );
    });
    sip.on('answer', (sdp) => {
      media.applyAnswer(sdp).catch((error: unknown) => {
        // RFC 3261 §13.3.1.4 / RFC 3264: an unusable answer in the ACK leaves no session to keep.
        this.#log.warn({ err: error instanceof Error ? error.message : error }, 'answer in ACK not acceptable; hanging up');
        this.hangup('error');
      });
    });
    sip.on('ended', (cause) => this.#end(cause === 'remote-bye' ? 'completed' : cause === 'cancelled' ? 'cancelled' : 'error', cause));
    media.on('timeout', () => this.hangup('media-timeout'));
    // A dead worker or a failed transport: the caller can no longer hear or be heard.
    media.on('closed', () => this.hangup('error'));
  }

  /** Connects the camera's call logic; keys reach it from now on. */
  attach(camera: CameraCall): void {
    this.#camera = camera;
  }

  /** Answers; once the caller's ACK arrives, media may go to the address it signalled. */
  async answer(): Promise<void> {
    await this.#o.sip.accept(this.#o.media.answerSdp);
    this.#o.media.confirmPeer();
  }

  say(text: string): Promise<PromptResult> {
    return this.#play({ kind: 'speech', text });
  }

  async playMessage(messageId: string): Promise<PromptResult> {
    const message = await this.#o.loadMessage(messageId).catch((error: unknown) => {
      this.#log.warn({ messageId, err: (error as Error).message }, 'audio message not readable');
      return null;
    });
    if (!message) {
      this.#log.warn({ messageId }, 'audio message missing');
      return 'failed';
    }
    return this.#play({ kind: 'audio', name: message.name, samples: message.samples });
  }

  beep(kind: 'error' | 'warning'): Promise<PromptResult> {
    return this.#play(BEEPS[kind]);
  }

  interruptPrompts(): void {
    if (!this.#closed) this.#o.audio.interrupt();
  }

  setAudioMode(mode: AudioMode): void {
    if (!this.#closed) this.#o.audio.setMode(mode);
  }

  /** New intercom settings (threshold, cycle time) for the running call. */
  setIntercom(settings: IntercomSettings): void {
    if (!this.#closed) this.#o.audio.setIntercom(settings);
  }

  hangup(outcome: CallOutcome): void {
    if (this.#closed) return;
    this.#outcome = outcome;
    this.#log.info({ outcome }, 'camera hangs up');
    this.#o.sip.hangup(HANGUP_REASON[outcome]).catch((error: unknown) => this.#log.warn({ err: error }, 'BYE failed'));
    // The SIP 'ended' event follows and closes the rest; if the dialog never formed, close now.
    if (this.#o.sip.state === 'terminated') this.#end(outcome, 'local');
  }

  /** Ends the call because the gateway shuts down. */
  async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#outcome = 'error';
    await this.#o.sip.abort('shutdown').catch(() => undefined);
    this.#end('error', 'shutdown');
  }

  async #play(prompt: Prompt): Promise<PromptResult> {
    if (this.#closed) return 'interrupted';
    try {
      return toPromptResult(await this.#o.audio.play(prompt));
    } catch (error) {
      this.#log.warn({ err: error }, 'prompt failed');
      return 'failed';
    }
  }

  #onKey(key: string, source: DtmfSource): void {
    if (isKey(key)) this.#camera?.key(key, source);
  }

  #end(outcome: CallOutcome, cause: string): void {
    if (this.#closed) return;
    this.#closed = true;
    const final = this.#outcome ?? outcome;
    this.#log.info({ cause, outcome: final }, 'call ended');
    this.#o.media.close();
    void this.#o.audio.close();
    this.#camera?.ended(final);
  }
}

function toPromptResult(outcome: PromptOutcome): PromptResult {
  return outcome === 'finished' ? 'finished' : outcome === 'failed' ? 'failed' : 'interrupted';
}
