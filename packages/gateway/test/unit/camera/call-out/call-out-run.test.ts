import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { FACTORY_OUTGOING_CALLS, type CallOutProfile } from '@camgate/protocol';
import { CallOutRun } from '../../../../src/camera/call-out/call-out-run.ts';
import type { CallOutDialer, DialRequest, DialResult } from '../../../../src/camera/call-out/dialer.ts';
import { inQuietHours } from '../../../../src/camera/call-out/quiet-hours.ts';
import type { CameraCall } from '../../../../src/camera/camera-call.ts';
import { FakeClock } from '../../../../src/core/clock.ts';
import { createLogger } from '../../../../src/core/logger.ts';

/** A dialer whose calls the test settles by target: answer, fail, or leave ringing. */
class ScriptedDialer implements CallOutDialer {
  readonly dialled: string[] = [];
  readonly cancelled: string[] = [];
  readonly #pending = new Map<string, (result: DialResult) => void>();

  dial(request: DialRequest) {
    this.dialled.push(request.target);
    const callId = `${request.target}#${this.dialled.length}`;
    const result = new Promise<DialResult>((resolve) => this.#pending.set(request.target, resolve));
    return {
      callId,
      result,
      cancel: () => {
        this.cancelled.push(request.target);
        this.settle(request.target, { answered: false, failure: 'cancelled', status: 487 });
      },
    };
  }

  settle(target: string, result: DialResult): void {
    const resolve = this.#pending.get(target);
    this.#pending.delete(target);
    resolve?.(result);
  }
}

/** The parts of a CameraCall a call-out watches. */
class FakeCall extends EventEmitter {
  readonly hungUp: string[] = [];
  phase = 'pin';
  constructor(readonly callId: string) {
    super();
  }
  get info() {
    return { phase: this.phase };
  }
  hangup(outcome: string): void {
    this.hungUp.push(outcome);
    this.emit('ended');
  }
}
const fakeCall = (callId: string) => new FakeCall(callId) as FakeCall & CameraCall;

const flush = () => new Promise((resolve) => setImmediate(resolve));

function setup(profile: Partial<CallOutProfile>) {
  const clock = new FakeClock();
  const dialer = new ScriptedDialer();
  const log: { callId: string; caller?: string; outcome?: string; commands: string[] }[] = [];
  const callLog = {
    start: async (callId: string, caller: string) => void log.push({ callId, caller, commands: [] }),
    addCommand: async (callId: string, command: string) => {
      const entry = log.find((e) => e.callId === callId) ?? { callId, commands: [] };
      if (!log.includes(entry)) log.push(entry);
      entry.commands.push(command);
    },
    finish: async (callId: string, _at: number, outcome: string) => void (log.find((e) => e.callId === callId)!.outcome = outcome),
  };
  const run = new CallOutRun({
    profile: { ...FACTORY_OUTGOING_CALLS.profiles[0]!, enabled: true, targets: ['a', 'b'], ...profile } as CallOutProfile,
    trigger: 'bell',
    dialer,
    clock,
    logger: createLogger('silent'),
    callLog: callLog as never,
  });
  return { clock, dialer, run, log };
}

describe('CallOutRun', () => {
  it('sequential with a repeat: every target in order, twice, then gives up; each call is logged', async () => {
    const { dialer, run, log } = setup({ order: 'sequential', repeat: 1 });
    const done = run.run();
    for (const target of ['a', 'b', 'a', 'b']) {
      await flush();
      expect(dialer.dialled.at(-1)).toBe(target);
      dialer.settle(target, { answered: false, failure: target === 'a' ? 'busy' : 'unreachable', status: target === 'a' ? 486 : 503 });
    }
    expect(await done).toBeNull();
    expect(run.status).toMatchObject({ done: true, round: 2, answeredBy: null });
    expect(log.map((e) => e.outcome)).toEqual(['busy', 'unreachable', 'busy', 'unreachable']);
  });

  it('a ring group is cancelled at the ring time: no-answer for each', async () => {
    const { clock, dialer, run } = setup({ order: 'parallel', ringSeconds: 20 });
    const done = run.run();
    await flush();
    expect(dialer.dialled).toEqual(['a', 'b']);
    clock.advance(19_000);
    expect(dialer.cancelled).toEqual([]);
    clock.advance(1_000);
    expect(dialer.cancelled).toEqual(['a', 'b']);
    expect(await done).toBeNull();
    expect(run.status.targets.map((t) => t.state)).toEqual(['no-answer', 'no-answer']);
  });

  it('the first to answer takes the call, the others are cancelled; a second answer is hung up', async () => {
    const { dialer, run } = setup({ order: 'parallel', targets: ['a', 'b', 'c'] });
    const done = run.run();
    await flush();
    const second = fakeCall('c-call');
    dialer.settle('b', { answered: true, call: fakeCall('b-call') });
    await flush();
    expect(dialer.cancelled).toEqual(['a', 'c']);
    expect(await done).toBe('b');
    dialer.settle('c', { answered: true, call: second }); // no effect: c was cancelled already
    expect(run.status.targets.map((t) => t.state)).toEqual(['cancelled', 'answered', 'cancelled']);
  });

  it('an alarm is taken only when the PIN is entered in time; otherwise the callee is hung up on and the next is called', async () => {
    const { clock, dialer, run } = setup({ order: 'sequential', acknowledge: true, acknowledgeSeconds: 10 });
    const done = run.run();
    await flush();
    const silent = fakeCall('a-call');
    dialer.settle('a', { answered: true, call: silent });
    await flush();
    clock.advance(10_000);
    expect(silent.hungUp).toEqual(['not-acknowledged']);
    await flush();
    expect(dialer.dialled).toEqual(['a', 'b']);
    const keen = fakeCall('b-call');
    dialer.settle('b', { answered: true, call: keen });
    await flush();
    keen.phase = 'connected';
    keen.emit('update');
    expect(await done).toBe('b');
    expect(run.status.targets.map((t) => t.state)).toEqual(['not-acknowledged', 'acknowledged']);
  });
});

describe('inQuietHours', () => {
  const at = (iso: string) => Date.parse(iso);
  it('within a day, across midnight, in the camera time zone', () => {
    expect(inQuietHours({ from: '12:00', to: '13:00' }, at('2026-01-05T12:30:00Z'), 'UTC')).toBe(true);
    expect(inQuietHours({ from: '12:00', to: '13:00' }, at('2026-01-05T13:00:00Z'), 'UTC')).toBe(false);
    expect(inQuietHours({ from: '22:00', to: '06:00' }, at('2026-01-05T23:30:00Z'), 'UTC')).toBe(true);
    expect(inQuietHours({ from: '22:00', to: '06:00' }, at('2026-01-05T05:59:00Z'), 'UTC')).toBe(true);
    expect(inQuietHours({ from: '22:00', to: '06:00' }, at('2026-01-05T12:00:00Z'), 'UTC')).toBe(false);
    // 21:30 UTC is 22:30 in Berlin (winter).
    expect(inQuietHours({ from: '22:00', to: '06:00' }, at('2026-01-05T21:30:00Z'), 'Europe/Berlin')).toBe(true);
    expect(inQuietHours(null, at('2026-01-05T23:30:00Z'), 'UTC')).toBe(false);
  });
});
