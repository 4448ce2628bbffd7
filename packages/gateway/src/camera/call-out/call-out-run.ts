import { randomUUID } from 'node:crypto';
import type { CallOutcome, CallOutProfile, CallOutStatus, CallOutTargetState, CallOutTrigger } from '@camgate/protocol';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import type { CallLogRepository } from '../../store/call-log-repository.ts';
import { inBackground } from '../../store/outbox.ts';
import type { CameraCall } from '../camera-call.ts';
import type { CallOutDialer, DialAttempt, DialFailure, DialResult } from './dialer.ts';

const FAILURE_STATE: Record<DialFailure, CallOutTargetState> = {
  busy: 'busy',
  declined: 'declined',
  unreachable: 'unreachable',
  rejected: 'rejected',
  cancelled: 'cancelled',
};

const STATE_OUTCOME: Partial<Record<CallOutTargetState, CallOutcome>> = {
  busy: 'busy',
  declined: 'declined',
  unreachable: 'unreachable',
  rejected: 'rejected',
  cancelled: 'cancelled',
  'no-answer': 'no-answer',
};

export interface CallOutRunEvents extends Record<string, unknown[]> {
  update: [status: CallOutStatus];
}

export interface CallOutRunOptions {
  profile: CallOutProfile;
  trigger: CallOutTrigger;
  dialer: CallOutDialer;
  clock: Clock;
  logger: Logger;
  callLog: Pick<CallLogRepository, 'start' | 'finish' | 'addCommand'>;
}

/**
 * One call-out of one profile: rings its targets all at once (ring group) or one after the
 * other, each for the profile's ring time, for 1 + repeat rounds, until one takes the call.
 * The first to answer wins and the others are cancelled. "Takes" means answers (doorbell),
 * or answers and enters the PIN within the acknowledge time (alarm); a callee who does
 * not is hung up on and the call-out goes on. Every target's call is in the call log.
 */
export class CallOutRun extends TypedEmitter<CallOutRunEvents> {
  readonly id = randomUUID();
  readonly #o: CallOutRunOptions;
  readonly #log: Logger;
  readonly #startedAt: number;
  readonly #states: { target: string; state: CallOutTargetState; callId: string | null }[];
  readonly #live = new Set<DialAttempt>();
  #round = 0;
  #answeredBy: string | null = null;
  #done = false;
  #stopped = false;

  constructor(options: CallOutRunOptions) {
    super();
    this.#o = options;
    this.#startedAt = options.clock.now();
    this.#log = options.logger.child({ component: 'call-out', callOut: this.id, profile: options.profile.id });
    this.#states = options.profile.targets.map((target) => ({ target, state: 'waiting', callId: null }));
  }

  get status(): CallOutStatus {
    const { profile, trigger } = this.#o;
    return {
      id: this.id,
      profileId: profile.id,
      profileName: profile.name,
      trigger,
      startedAt: this.#startedAt,
      round: this.#round,
      targets: this.#states.map((s) => ({ ...s })),
      answeredBy: this.#answeredBy,
      done: this.#done,
    };
  }

  /** Runs to the end; resolves with who took the call (null: nobody). */
  async run(): Promise<string | null> {
    const { profile } = this.#o;
    this.#log.info({ event: 'call-out', trigger: this.#o.trigger, targets: profile.targets.length, order: profile.order }, 'call-out starts');
    for (this.#round = 1; this.#round <= 1 + profile.repeat && !this.#stopped; this.#round++) {
      const groups = profile.order === 'parallel' ? [profile.targets.map((_, i) => i)] : profile.targets.map((_, i) => [i]);
      for (const group of groups) {
        if (this.#stopped) break;
        if (await this.#ring(group)) return this.#finish();
      }
    }
    this.#round = Math.min(this.#round, 1 + profile.repeat);
    return this.#finish();
  }

  /** Stops ringing (the camera closes, the admin stops it); an answered call goes on. */
  stop(): void {
    this.#stopped = true;
    for (const attempt of this.#live) attempt.cancel();
  }

  #finish(): string | null {
    this.#done = true;
    this.#log.info({ event: 'call-out-done', answeredBy: this.#answeredBy, rounds: this.#round }, this.#answeredBy ? 'call-out taken' : 'call-out not taken');
    this.#emit();
    return this.#answeredBy;
  }

  /** Rings the targets of `group` at once; true when one of them took the call. */
  #ring(group: readonly number[]): Promise<boolean> {
    const { profile, clock } = this.#o;
    return new Promise((resolve) => {
      let pending = group.length;
      let winner = false;
      const unanswered = new Set<number>();
      const attempts = new Map<number, DialAttempt>();
      const ringTimer: TimerHandle = clock.setTimeout(() => {
        for (const [index, attempt] of attempts) {
          if (!this.#live.has(attempt)) continue;
          unanswered.add(index);
          attempt.cancel();
        }
      }, profile.ringSeconds * 1000);
      const settle = (taken: boolean) => {
        clock.clearTimeout(ringTimer);
        resolve(taken);
      };
      for (const index of group) {
        const attempt = this.#dial(index);
        attempts.set(index, attempt);
        this.#live.add(attempt);
        void attempt.result.then(async (result: DialResult) => {
          this.#live.delete(attempt);
          pending--;
          if (result.answered && !winner && !this.#stopped) {
            winner = true;
            clock.clearTimeout(ringTimer);
            for (const other of attempts.values()) if (other !== attempt) other.cancel();
            settle(await this.#taken(index, result.call));
            return;
          }
          if (result.answered) {
            result.call.hangup('cancelled'); // a second callee answered at the same moment
            this.#set(index, 'cancelled');
          } else {
            this.#unanswered(index, attempt, unanswered.has(index) ? 'no-answer' : FAILURE_STATE[result.failure], result.status);
          }
          if (pending === 0 && !winner) settle(false);
        });
      }
    });
  }

  #dial(index: number): DialAttempt {
    const { profile } = this.#o;
    const target = this.#states[index]!.target;
    this.#set(index, 'calling');
    const attempt = this.#o.dialer.dial({
      target,
      messageId: profile.messageId,
      speakText: profile.speakText,
      requirePin: profile.acknowledge,
      label: this.#label(),
      onRinging: () => {
        if (this.#states[index]!.state === 'calling') this.#set(index, 'ringing');
      },
    });
    this.#states[index]!.callId = attempt.callId;
    this.#log.info({ event: 'dial', target, callId: attempt.callId, round: this.#round }, 'calling target');
    return attempt;
  }

  /** An answered call: taken at once (doorbell), or once the PIN was entered in time (alarm). */
  #taken(index: number, call: CameraCall): Promise<boolean> {
    const { profile, clock, callLog } = this.#o;
    const target = this.#states[index]!.target;
    inBackground(callLog.addCommand(call.callId, `${this.#label()}: answered by ${target}`));
    this.#set(index, 'answered');
    if (!profile.acknowledge) {
      this.#answeredBy = target;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const done = (acknowledged: boolean) => {
        clock.clearTimeout(timer);
        call.off('update', onUpdate);
        call.off('ended', onEnded);
        this.#set(index, acknowledged ? 'acknowledged' : 'not-acknowledged');
        if (acknowledged) this.#answeredBy = target;
        this.#log.info({ event: acknowledged ? 'acknowledged' : 'not-acknowledged', callId: call.callId, target }, acknowledged ? 'alarm acknowledged' : 'alarm not acknowledged');
        resolve(acknowledged);
      };
      const onUpdate = () => {
        if (call.info.phase === 'connected') done(true);
      };
      const onEnded = () => done(false);
      const timer = clock.setTimeout(() => {
        done(false);
        call.hangup('not-acknowledged');
      }, profile.acknowledgeSeconds * 1000);
      call.on('update', onUpdate);
      call.on('ended', onEnded);
    });
  }

  #unanswered(index: number, attempt: DialAttempt, state: CallOutTargetState, status: number): void {
    const { clock, callLog } = this.#o;
    const target = this.#states[index]!.target;
    this.#set(index, state);
    this.#log.info({ event: 'target-not-taken', target, callId: attempt.callId, state, status }, 'target did not take the call');
    const callId = attempt.callId ?? `call-out-${randomUUID()}`;
    inBackground(callLog.start(callId, target, this.#startedAt));
    inBackground(callLog.addCommand(callId, `${this.#label()}: ${state}${status ? ` (${status})` : ''}`));
    inBackground(callLog.finish(callId, clock.now(), STATE_OUTCOME[state] ?? 'error'));
  }

  #label(): string {
    return `call-out ${this.#o.profile.name}`;
  }

  #set(index: number, state: CallOutTargetState): void {
    this.#states[index]!.state = state;
    this.#emit();
  }

  #emit(): void {
    this.safeEmit('update', this.status);
  }
}
