import { describe, expect, it } from 'vitest';
import { FACTORY_OUTGOING_CALLS, type CameraEvent, type CameraEventKind, type OutgoingCallsSettings } from '@camgate/protocol';
import { CallOutService } from '../../../../src/camera/call-out/call-out-service.ts';
import type { CallOutDialer, DialRequest } from '../../../../src/camera/call-out/dialer.ts';
import type { OutgoingCallsSettingsService } from '../../../../src/camera/call-out/outgoing-calls-settings.ts';
import type { EventRecorder } from '../../../../src/camera/device/event-recorder.ts';
import { FakeClock } from '../../../../src/core/clock.ts';
import { createLogger } from '../../../../src/core/logger.ts';
import { TypedEmitter } from '../../../../src/core/typed-emitter.ts';

/** Records events like the camera's recorder, without pictures or a database. */
class Events extends TypedEmitter<{ event: [event: CameraEvent] }> {
  readonly recorded: CameraEvent[] = [];
  async record(kind: CameraEventKind, detail: string): Promise<CameraEvent> {
    const event = { id: this.recorded.length + 1, kind, detail, at: 0, hasImage: false };
    this.recorded.push(event);
    this.safeEmit('event', event);
    return event;
  }
}

function setup(change: Partial<OutgoingCallsSettings['profiles'][number]>, at = Date.parse('2026-01-05T12:00:00Z')) {
  const dialled: DialRequest[] = [];
  const dialer: CallOutDialer = {
    dial(request) {
      dialled.push(request);
      return { callId: `c${dialled.length}`, cancel: () => undefined, result: new Promise(() => undefined) }; // rings until stopped
    },
  };
  const profile = { ...FACTORY_OUTGOING_CALLS.profiles[0]!, enabled: true, ...change };
  const events = new Events();
  const service = new CallOutService({
    settings: { running: { ...FACTORY_OUTGOING_CALLS, profiles: [profile] } } as OutgoingCallsSettingsService,
    dialer,
    events: events as unknown as EventRecorder,
    callLog: { start: async () => undefined, finish: async () => undefined, addCommand: async () => undefined },
    clock: new FakeClock(at),
    logger: createLogger('silent'),
    timeZone: () => 'UTC',
  });
  return { service, events, dialled };
}

describe('CallOutService', () => {
  it('the bell records an event and starts the bell profiles once, however often it is pressed', async () => {
    const { service, events, dialled } = setup({ triggers: ['bell'], targets: ['sip:a@h', 'sip:b@h'] });
    expect(await service.ring('admin')).toHaveLength(1);
    expect(await service.ring('admin')).toHaveLength(0); // still calling out
    expect(events.recorded.map((e) => [e.kind, e.detail])).toEqual([['bell', 'bell by admin'], ['bell', 'bell by admin']]);
    expect(dialled.map((d) => d.target)).toEqual(['sip:a@h', 'sip:b@h']);
    service.close();
  });

  it('a recorded camera event chosen as trigger starts the profile (User Click); others do not', async () => {
    const { service, events, dialled } = setup({ triggers: ['user-click'], targets: ['sip:a@h'], acknowledge: true });
    await events.record('door', 'door on by key 1');
    expect(dialled).toHaveLength(0);
    await events.record('user-click', 'key 6');
    expect(dialled.map((d) => [d.target, d.requirePin])).toEqual([['sip:a@h', true]]);
    service.close();
  });

  it('no call-out in the quiet hours', async () => {
    const { service, dialled } = setup({ triggers: ['bell'], quietHours: { from: '11:00', to: '13:00' } });
    expect(await service.ring('webhook')).toEqual([]);
    expect(dialled).toHaveLength(0);
    service.close();
  });
});
