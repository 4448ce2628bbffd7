import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LastCaller } from '@camgate/protocol';
import { InvalidStateError } from '../../../src/core/errors.ts';
import { createCameraFixture, incoming, settle, type CameraFixture } from './camera-fixture.ts';
import { FakeCallPort } from './fake-call-port.ts';

describe('Camera', () => {
  let f: CameraFixture;

  beforeEach(async () => {
    f = await createCameraFixture();
  });

  afterEach(async () => {
    await f.close();
  });

  describe('decide(): which calls the camera takes', () => {
    it('answers every call while the accepted list is empty', async () => {
      expect(f.camera.decide(incoming('c1'))).toEqual({ accept: true, ring: false });
    });

    it('refuses when incoming calls are disabled', async () => {
      f.configure({ enabled: false });
      expect(f.camera.decide(incoming('c1'))).toEqual({ accept: false, reason: 'disabled' });
    });

    it('takes only accepted callers; refused calls are counted per source and reason, outside the call log', async () => {
      f.configure({ acceptedCallers: ['+49-30-123456', 'sip:bob@example.org'] });
      expect(f.camera.decide(incoming('c1', { uri: 'tel:+4930123456' }))).toEqual({ accept: true, ring: false });
      expect(f.camera.decide(incoming('c2', { uri: '"Bob" <sip:bob@EXAMPLE.org;transport=tcp>' }))).toEqual({ accept: true, ring: false });
      expect(f.camera.decide(incoming('c3', { uri: 'sip:mallory@example.org' }))).toEqual({ accept: false, reason: 'not-accepted' });
      expect((await f.store.callLog.get('c3'))).toBeNull();
      expect(await f.store.rejectedCalls.list(10)).toEqual([
        expect.objectContaining({ reason: 'rejected', count: 1, lastCaller: 'sip:mallory@example.org' }),
      ]);
      expect((await f.store.callLog.get('c1'))).toBeNull(); // accepted calls are logged when they start
    });

    it('answers only to its own numbers when "answer to" is set', async () => {
      f.configure({ answerTo: ['+49-30-999', 'camera'] });
      expect(f.camera.decide(incoming('c1', { requestUser: '004930999' })).accept).toBe(true);
      expect(f.camera.decide(incoming('c2', { requestUser: 'camera' })).accept).toBe(true);
      expect(f.camera.decide(incoming('c3', { requestUser: 'frontdoor' }))).toEqual({ accept: false, reason: 'not-answering-to' });
    });

    it('remembers the last caller either way ("The last calling phone number or SIP address is displayed")', async () => {
      const seen: LastCaller[] = [];
      f.camera.on('last-caller', (last) => seen.push(last));
      f.configure({ acceptedCallers: ['sip:bob@example.org'] });
      f.camera.decide(incoming('c1', { uri: '"Eve" <sip:+49 (0)30 5555@provider.example;user=phone>' }));
      expect((await f.store.lastCaller.get())).toEqual({ caller: '+49305555', at: f.clock.now(), answered: false });
      f.camera.decide(incoming('c2', { uri: 'sip:bob@example.org' }));
      expect(seen.map((s) => s?.caller)).toEqual(['+49305555', 'sip:bob@example.org']);
      expect((await f.store.lastCaller.get())?.answered).toBe(true);
    });
  });

  describe('startCall()', () => {
    it('rings for the configured time before answering', async () => {
      f.configure({ ringSeconds: 2, pin: '', welcomeMessageId: null });
      const port = new FakeCallPort('c1');
      const call = f.camera.startCall(port, incoming('c1'));
      expect(call.info.phase).toBe('ringing');
      expect(f.camera.led.state).toBe('ringing');
      f.clock.advance(1999);
      await settle();
      expect(port.answered).toBe(false);
      f.clock.advance(1);
      await settle();
      expect(port.answered).toBe(true);
      expect(call.info.phase).toBe('connected');
    });

    it('a call cancelled while ringing is never answered', async () => {
      f.configure({ ringSeconds: 5 });
      const port = new FakeCallPort('c1');
      const call = f.camera.startCall(port, incoming('c1'));
      call.ended('cancelled');
      f.clock.advance(5000);
      await settle();
      expect(port.answered).toBe(false);
      expect((await f.store.callLog.get('c1'))?.outcome).toBe('cancelled');
      expect((await f.store.events.latest())).toBeNull(); // unanswered calls are no camera events
    });

    it('hangs up with "error" when answering fails', async () => {
      const port = new FakeCallPort('c1');
      port.answer = () => Promise.reject(new Error('no ACK'));
      const call = f.camera.startCall(port, incoming('c1'));
      f.clock.advance(0);
      await settle();
      expect(port.hungUp).toBe('error');
      expect(call.state).toBe('ended');
    });

    it('refuses a second call with the same Call-ID', async () => {
      f.camera.startCall(new FakeCallPort('c1'), incoming('c1'));
      expect(() => f.camera.startCall(new FakeCallPort('c1'), incoming('c1'))).toThrow(InvalidStateError);
    });

    it('a call keeps the settings it started with', async () => {
      f.configure({ pin: '', welcomeMessageId: null, audioMode: 'speak' });
      const { port } = await f.call('c1');
      f.configure({ pin: '1234', audioMode: 'listen' });
      expect(port.modes).toEqual(['speak']);
      expect(f.camera.call('c1')?.info.phase).toBe('connected');
    });

    it('the softphone can switch the audio mode of a connected call only', async () => {
      f.configure({ pin: '4711', welcomeMessageId: null });
      const { port, call } = await f.call('c1');
      call.setAudioMode('speak');
      expect(port.modes).toEqual([]);
      await f.press(call, '4711#');
      call.setAudioMode('speak');
      expect(port.modes).toEqual(['listen', 'speak']);
      expect(call.info.audioMode).toBe('speak');
    });
  });

  describe('outputs, messages and profiles from the web UI', () => {
    it('triggerOutput runs the action profile and records the event', async () => {
      const outputs: boolean[] = [];
      f.camera.on('output', (state) => outputs.push(state.active));
      const state = await f.camera.triggerOutput('door');
      expect(state.active).toBe(true);
      expect((await f.store.events.latest())).toMatchObject({ kind: 'door', hasImage: true });
      f.clock.advance(3000);
      expect(outputs).toEqual([true, false]);
    });

    it('refuses to delete the welcome message in use', async () => {
      await f.store.emailProfiles.put(
        { id: 'p', name: 'P', host: 'h', port: 25, security: 'none', username: '', password: '', from: 'cam@example.com', to: ['guard@example.com'], subject: '' },
        0,
      );
      f.configure({ emailProfileId: 'p' });
      await expect(f.camera.deleteAudioMessage('welcome')).rejects.toThrow(InvalidStateError);
      expect(f.camera.settings.uses({ emailProfileId: 'p' })).toBe(true);
      f.configure({ emailProfileId: null, welcomeMessageId: null });
      // still used by the stored settings (factory: welcome), so Restore keeps working
      await expect(f.camera.deleteAudioMessage('welcome')).rejects.toThrow(InvalidStateError);
      expect(f.camera.settings.uses({ emailProfileId: 'p' })).toBe(false);
    });
  });

  it('status() reports LEDs, calls, outputs, Internet, last event, warnings and dirtiness', async () => {
    await f.camera.internet.check();
    f.configure({ pin: '', welcomeMessageId: null });
    await f.call('c1');
    const status = f.camera.status();
    expect(status).toMatchObject({
      led: 'connected',
      internet: 'online',
      lastEventAt: null,
      settingsDirty: true,
      outputs: [
        { name: 'door', active: false },
        { name: 'light', active: false },
      ],
    });
    expect(status.calls.map((c) => [c.callId, c.caller, c.phase])).toEqual([['c1', '+4930123456', 'connected']]);
    expect(status.warnings).toHaveLength(2);
  });

  it('close() hangs up every call, stops every timer and is idempotent', async () => {
    f.configure({ pin: '4711', welcomeMessageId: null });
    const { port } = await f.call('c1');
    await f.camera.triggerOutput('door');
    f.camera.close();
    f.camera.close();
    expect(port.hungUp).toBe('error');
    expect(f.clock.pendingTimers).toBe(0);
    expect(() => f.camera.decide(incoming('c2'))).toThrow(InvalidStateError);
  });
});
