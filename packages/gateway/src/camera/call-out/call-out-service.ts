import type { CallOutStatus, CallOutTrigger, CameraEvent } from '@camgate/protocol';
import { CallOutTriggerSchema } from '@camgate/protocol';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import type { CallLogRepository } from '../../store/call-log-repository.ts';
import type { EventRecorder } from '../device/event-recorder.ts';
import { CallOutRun } from './call-out-run.ts';
import type { CallOutDialer } from './dialer.ts';
import type { OutgoingCallsSettingsService } from './outgoing-calls-settings.ts';
import { inQuietHours } from './quiet-hours.ts';

export interface CallOutServiceEvents extends Record<string, unknown[]> {
  /** A call-out started, a target's state changed, or one ended. */
  change: [running: CallOutStatus[]];
}

export interface CallOutServiceOptions {
  settings: OutgoingCallsSettingsService;
  dialer: CallOutDialer;
  events: EventRecorder;
  callLog: Pick<CallLogRepository, 'start' | 'finish' | 'addCommand'>;
  clock: Clock;
  logger: Logger;
  /** The camera's time zone, for quiet hours. */
  timeZone(): string;
}

/** Finished call-outs kept for the camera page ("who answered"). */
const RECENT_KEPT = 5;

/**
 * The call-outs of one camera: the bell, and the camera events chosen in its profiles,
 * start every enabled profile with that trigger (outside its quiet hours; a profile already
 * calling out is not started twice). An alarm nobody acknowledged becomes an event.
 */
export class CallOutService extends TypedEmitter<CallOutServiceEvents> {
  readonly #o: CallOutServiceOptions;
  readonly #log: Logger;
  readonly #running = new Map<string, CallOutRun>();
  readonly #recent: CallOutStatus[] = [];
  #closed = false;

  constructor(options: CallOutServiceOptions) {
    super();
    this.#o = options;
    this.#log = options.logger.child({ component: 'call-out' });
    options.events.on('event', this.#onEvent);
  }

  /** Running call-outs, then the last finished ones. */
  get statuses(): CallOutStatus[] {
    return [...[...this.#running.values()].map((run) => run.status), ...this.#recent];
  }

  /** The bell input (Ring button, REST, webhook): an event, then the profiles with the bell trigger. */
  async ring(cause: string): Promise<CallOutStatus[]> {
    await this.#o.events.record('bell', `bell by ${cause}`);
    return this.trigger('bell');
  }

  /** Starts every enabled profile with this trigger; returns the call-outs started. */
  trigger(trigger: CallOutTrigger): CallOutStatus[] {
    const settings = this.#o.settings.running;
    if (this.#closed || !settings.enabled) return [];
    const now = this.#o.clock.now();
    const started: CallOutStatus[] = [];
    for (const profile of settings.profiles) {
      if (!profile.enabled || !profile.triggers.includes(trigger)) continue;
      if ([...this.#running.values()].some((run) => run.status.profileId === profile.id)) {
        this.#log.info({ profile: profile.id, trigger }, 'profile already calling out');
        continue;
      }
      if (inQuietHours(profile.quietHours, now, this.#o.timeZone())) {
        this.#log.info({ profile: profile.id, trigger }, 'quiet hours: no call-out');
        continue;
      }
      const run = new CallOutRun({ profile, trigger, dialer: this.#o.dialer, clock: this.#o.clock, logger: this.#o.logger, callLog: this.#o.callLog });
      this.#running.set(run.id, run);
      run.on('update', () => this.#changed());
      void run.run().then(
        (answeredBy) => this.#ended(run, answeredBy),
        (error: unknown) => {
          this.#log.error({ err: error, profile: profile.id }, 'call-out failed');
          this.#ended(run, null);
        },
      );
      started.push(run.status);
    }
    this.#changed();
    return started;
  }

  /** Stops every call-out ringing (answered calls go on). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#o.events.off('event', this.#onEvent);
    for (const run of this.#running.values()) run.stop();
    this.removeAllListeners();
  }

  #ended(run: CallOutRun, answeredBy: string | null): void {
    this.#running.delete(run.id);
    this.#recent.unshift(run.status);
    this.#recent.splice(RECENT_KEPT);
    const profile = this.#o.settings.running.profiles.find((p) => p.id === run.status.profileId);
    if (answeredBy === null && profile?.acknowledge && !this.#closed) {
      void this.#o.events.record('alarm-unanswered', `alarm "${run.status.profileName}" not acknowledged by ${run.status.targets.map((t) => t.target).join(', ')}`);
    }
    this.#changed();
  }

  readonly #onEvent = (event: CameraEvent): void => {
    const trigger = CallOutTriggerSchema.safeParse(event.kind);
    if (trigger.success && trigger.data !== 'bell') this.trigger(trigger.data);
  };

  #changed(): void {
    this.safeEmit('change', this.statuses);
  }
}
