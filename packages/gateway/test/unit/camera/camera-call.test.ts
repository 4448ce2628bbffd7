import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { INTER_DIGIT_TIMEOUT_MS, PROMPTS } from '../../../src/camera/camera-call.ts';
import { createCameraFixture, settle, type CameraFixture } from './camera-fixture.ts';

const PIN = '4711';

describe('CameraCall: the IVR of the help page', () => {
  let f: CameraFixture;

  beforeEach(async () => {
    f = await createCameraFixture();
  });

  afterEach(async () => {
    await f.close();
  });

  describe('welcome message ("the camera plays this message upon every call")', () => {
    it('answers, plays the welcome, then asks for the PIN', async () => {
      f.configure({ pin: PIN, welcomeMessageId: 'welcome' });
      const { port, call } = await f.call('c1');
      expect(port.answered).toBe(true);
      expect(port.played).toEqual(['welcome']);
      expect(call.info.phase).toBe('welcome');
      expect(port.said).toEqual([]);

      port.finishPrompts();
      await settle();
      expect(call.info.phase).toBe('pin');
      expect(port.said).toEqual([PROMPTS.enterPin]);
    });

    it('a key during the welcome barges in and counts as the first PIN digit', async () => {
      f.configure({ pin: PIN, welcomeMessageId: 'welcome' });
      const { port, call } = await f.call('c1');
      await f.press(call, '4');
      expect(port.interruptions).toBeGreaterThan(0);
      expect(call.info.phase).toBe('pin');
      expect(port.said).toEqual([]); // the caller is already typing: no PIN prompt
      await f.press(call, '711#');
      expect(call.info.phase).toBe('connected');
    });

    it('without a PIN the caller is connected right after the welcome, in the configured audio mode', async () => {
      f.configure({ pin: '', welcomeMessageId: 'welcome', audioMode: 'intercom' });
      const { port, call } = await f.call('c1');
      expect(port.modes).toEqual([]); // nothing of the room before the welcome is over
      port.finishPrompts();
      await settle();
      expect(call.info.phase).toBe('connected');
      expect(port.modes).toEqual(['intercom']);
      expect(call.info.audioMode).toBe('intercom');
    });
  });

  describe('PIN code ("every caller needs to enter this number using the telephone keys")', () => {
    beforeEach(() => {
      f.configure({ pin: PIN, welcomeMessageId: null, audioMode: 'listen' });
    });

    it('the right PIN opens the main menu and starts the audio mode', async () => {
      const { port, call } = await f.call('c1');
      expect(call.info.phase).toBe('pin');
      expect(port.modes).toEqual([]);
      await f.press(call, `${PIN}#`);
      expect(call.info.phase).toBe('connected');
      expect(port.said).toContain(PROMPTS.pinAccepted);
      expect(port.modes).toEqual(['listen']);
    });

    it('a wrong PIN is said so and asked again; the third one ends the call', async () => {
      const { port, call } = await f.call('c1');
      await f.press(call, '1111#');
      expect(port.said.slice(-2)).toEqual([PROMPTS.wrongPin, PROMPTS.enterPin]);
      expect(call.info.phase).toBe('pin');
      await f.press(call, '2222#');
      expect(port.hungUp).toBeNull();
      await f.press(call, '3333#');
      expect(port.lastSaid).toBe(`${PROMPTS.wrongPin} ${PROMPTS.goodbye}`);
      expect(port.hungUp).toBe('pin-failed');
      expect(call.info.phase).toBe('ended');
      expect(port.modes).toEqual([]); // never heard the room
    });

    it('a bare # is no guess: the PIN prompt repeats and no attempt is used', async () => {
      const { port, call } = await f.call('c1');
      await f.press(call, '###');
      expect(port.said).toEqual([PROMPTS.enterPin, PROMPTS.enterPin, PROMPTS.enterPin, PROMPTS.enterPin]);
      await f.press(call, '1111#2222#');
      expect(port.hungUp).toBeNull();
      await f.press(call, `${PIN}#`);
      expect(call.info.phase).toBe('connected');
    });

    it('* starts the entry over', async () => {
      const { call } = await f.call('c1');
      await f.press(call, `99*${PIN}#`);
      expect(call.info.phase).toBe('connected');
    });

    it('silence reprompts after the inter-digit timeout; three silent prompts end the call', async () => {
      const { port, call } = await f.call('c1');
      await f.press(call, '47');
      f.clock.advance(INTER_DIGIT_TIMEOUT_MS - 1);
      expect(port.said).toEqual([PROMPTS.enterPin]);
      f.clock.advance(1);
      await settle();
      expect(port.said).toEqual([PROMPTS.enterPin, PROMPTS.enterPin]);
      // the partial entry was dropped: the full PIN still works after the reprompt
      await f.press(call, `${PIN}#`);
      expect(call.info.phase).toBe('connected');

      const second = await f.call('c2');
      for (let i = 0; i < 3; i++) {
        f.clock.advance(INTER_DIGIT_TIMEOUT_MS);
        await settle();
      }
      expect(second.port.lastSaid).toBe(PROMPTS.goodbye);
      expect(second.port.hungUp).toBe('pin-failed');
    });

    it('locks out after 5 wrong PINs within 15 minutes, tells the caller, and releases after its time', async () => {
      const first = await f.call('c1');
      await f.press(first.call, '0000#0000#0000#');
      expect(first.port.hungUp).toBe('pin-failed');

      const second = await f.call('c2');
      await f.press(second.call, '0000#');
      expect(second.port.hungUp).toBeNull();
      await f.press(second.call, '0000#');
      expect(second.port.lastSaid).toBe(PROMPTS.lockedOut);
      expect(second.port.hungUp).toBe('locked-out');
      await settle();
      expect((await (await f.store.events.list(5))).map((e) => e.kind)).toContain('pin-lockout');

      // Another caller from the same address is refused; the same (forgeable) caller from
      // another address is not: a stranger cannot lock the owner out.
      expect(f.camera.decide({ ...incomingFrom('c3'), sourceAddress: '198.51.100.7' })).toEqual({ accept: true, ring: false });
      expect(f.camera.decide({ ...incomingFrom('c4'), caller: { uri: 'sip:bob@example.org', displayName: '', transport: 'udp' } })).toEqual({
        accept: false,
        reason: 'locked-out',
      });

      f.clock.advance(15 * 60_000 - 1);
      expect(f.camera.decide(incomingFrom('c5')).accept).toBe(false);
      f.clock.advance(1);
      expect(f.camera.decide(incomingFrom('c6'))).toEqual({ accept: true, ring: false });
    });
  });

  describe('keypad main menu ("the camera repeats the number and tells you which command you have chosen")', () => {
    beforeEach(() => {
      f.configure({ pin: '', welcomeMessageId: null, audioMode: 'listen' });
    });

    it('a digit selects and is spoken back; more digits change the selection', async () => {
      const { port, call } = await f.call('c1');
      await f.press(call, '1');
      expect(port.lastSaid).toBe('one: door opener');
      expect(call.info.selectedCommand).toBe(1);
      await f.press(call, '3');
      expect(port.lastSaid).toBe('three: light');
      expect(call.info.selectedCommand).toBe(3);
      expect(f.camera.outputs.door.state.active).toBe(false); // nothing runs before #
    });

    it('1# pulses the door opener and records a door event with its snapshot', async () => {
      const { port, call } = await f.call('c1');
      const led: string[] = [];
      f.camera.on('led', (state) => led.push(state));
      await f.press(call, '1#');
      expect(f.camera.outputs.door.state.active).toBe(true);
      expect(port.lastSaid).toBe('Door opener triggered.');
      expect(led).toEqual(['executing', 'connected']);

      const event = (await f.store.events.latest())!;
      expect(event.kind).toBe('door');
      expect(event.hasImage).toBe(true);
      const image = PNG.sync.read((await f.store.events.image(event.id))!.data);
      expect([image.width, image.height]).toEqual([320, 240]);

      f.clock.advance(3000); // factory door profile: pulse of 3 s
      expect(f.camera.outputs.door.state.active).toBe(false);
      expect(f.camera.outputs.door.history.map((h) => h.active)).toEqual([true, false]);
      expect((await f.store.callLog.get('c1'))?.commands).toEqual(['1 door opener']);
    });

    it('3# switches the light (toggle profile) and says its state', async () => {
      const { port, call } = await f.call('c1');
      await f.press(call, '3#');
      expect(f.camera.outputs.light.state.active).toBe(true);
      expect(port.lastSaid).toBe('Light on.');
      await f.press(call, '3#');
      expect(f.camera.outputs.light.state.active).toBe(false);
      expect(port.lastSaid).toBe('Light off.');
    });

    it('2# is not acknowledged: no name is spoken, # only gives an error beep', async () => {
      const { port, call } = await f.call('c1');
      const before = port.said.length;
      await f.press(call, '2');
      expect(port.said.length).toBe(before);
      await f.press(call, '#');
      expect(port.said.length).toBe(before);
      expect(port.beeps).toEqual(['error']);
      expect((await f.store.callLog.get('c1'))?.commands).toEqual([]);
    });

    it('5 without an email profile is not acknowledged', async () => {
      const { port, call } = await f.call('c1');
      const before = port.said.length;
      await f.press(call, '5#');
      expect(port.said.length).toBe(before);
      expect(port.beeps).toEqual(['error']);
    });

    it('# without a selection gives an error beep; a command runs once per selection', async () => {
      const { port, call } = await f.call('c1');
      await f.press(call, '#');
      expect(port.beeps).toEqual(['error']);
      await f.press(call, '6##');
      expect(port.beeps).toEqual(['error', 'error']);
      expect((await (await f.store.events.list(10))).filter((e) => e.kind === 'user-click')).toHaveLength(1);
    });

    it('4# says the date and time', async () => {
      const { port, call } = await f.call('c1');
      await f.press(call, '4');
      expect(port.lastSaid).toBe('four: date and time');
      await f.press(call, '#');
      expect(port.lastSaid).toBe('It is Thursday, the twenty-sixth of November 2026, 14:05.');
    });

    it('6# triggers the User Click event with a snapshot', async () => {
      const { port, call } = await f.call('c1');
      await f.press(call, '6#');
      const event = (await f.store.events.latest())!;
      expect(event).toMatchObject({ kind: 'user-click', hasImage: true });
      expect(port.lastSaid).toBe('User click event triggered.');
    });

    it('0# says the time of the last event and the Internet connection status', async () => {
      const { port, call } = await f.call('c1');
      // Key 0 probes the Internet connection over a real socket: wait for the command, not for a fixed time.
      let ran = call.waitFor('command');
      await f.press(call, '0#');
      await ran;
      expect(port.lastSaid).toBe('There are no events yet. The Internet connection is online.');
      f.clock.advance(60_000);
      await f.press(call, '6#');
      ran = call.waitFor('command');
      await f.press(call, '0#');
      await ran;
      expect(port.lastSaid).toBe('The last event was on Thursday, the twenty-sixth of November 2026, 14:06. The Internet connection is online.');
    });

    it('7#, 8#, 9# switch to listen, speak and intercom', async () => {
      const { port, call } = await f.call('c1');
      await f.press(call, '8#');
      expect(call.info.audioMode).toBe('speak');
      await f.press(call, '9#');
      expect(call.info.audioMode).toBe('intercom');
      await f.press(call, '7#');
      expect(call.info.audioMode).toBe('listen');
      expect(port.modes).toEqual(['listen', 'speak', 'intercom', 'listen']);
      expect(port.said).toContain('Intercom mode.');
    });

    it('* speaks the menu of the available commands', async () => {
      const { port, call } = await f.call('c1');
      await f.press(call, '*');
      expect(port.lastSaid).toBe(
        'Main menu. one: door opener. three: light. four: date and time. six: user click. seven: listen. ' +
          'eight: speak. nine: intercom. zero: camera information. Select a command with its key, then press hash.',
      );
    });

    it('a new key interrupts the camera speaking', async () => {
      const { port, call } = await f.call('c1');
      port.holdPrompts = true;
      await f.press(call, '*');
      const before = port.interruptions;
      await f.press(call, '1');
      expect(port.interruptions).toBe(before + 1);
      expect(port.lastSaid).toBe('one: door opener');
    });
  });

  describe('Hangup call after ("the maximum connection time")', () => {
    it('warns 10 seconds before the limit, then hangs up at the limit', async () => {
      f.configure({ pin: '', welcomeMessageId: null, hangupAfterSeconds: 30 });
      const { port, call } = await f.call('c1');
      expect(call.info.endsAt).toBe(f.clock.now() + 30_000);
      f.clock.advance(19_999);
      expect(port.said).not.toContain(PROMPTS.timeWarning);
      f.clock.advance(1);
      await settle();
      expect(port.lastSaid).toBe(PROMPTS.timeWarning);
      f.clock.advance(9_999);
      expect(port.hungUp).toBeNull();
      f.clock.advance(1);
      expect(port.hungUp).toBe('time-limit');
      expect(call.state).toBe('ended');
      expect(f.clock.pendingTimers).toBe(1); // only the Internet probe's refresh remains
    });

    it('beeps before the warning, and # (nothing selected) extends the call by another full period', async () => {
      f.configure({ pin: '', welcomeMessageId: null, hangupAfterSeconds: 30 });
      const { port, call } = await f.call('c1');
      f.clock.advance(20_000);
      await settle();
      expect(port.beeps).toContain('warning');
      expect(port.lastSaid).toBe(PROMPTS.timeWarning);
      f.clock.advance(5_000);
      await f.press(call, '#');
      expect(port.lastSaid).toBe(PROMPTS.extended);
      expect(call.info.endsAt).toBe(f.clock.now() + 30_000);
      f.clock.advance(29_999);
      expect(port.hungUp).toBeNull();
      f.clock.advance(1);
      expect(port.hungUp).toBe('time-limit');
    });

    it('# before the warning is just an unselected command (error beep), not an extension', async () => {
      f.configure({ pin: '', welcomeMessageId: null, hangupAfterSeconds: 30 });
      const { port, call } = await f.call('c1');
      const endsAt = call.info.endsAt;
      await f.press(call, '#');
      expect(port.beeps).toEqual(['error']);
      expect(call.info.endsAt).toBe(endsAt);
    });
  });

  describe('ending, LEDs and records', () => {
    it('the caller hanging up ends the call, clears its timers and LEDs, and completes the call log', async () => {
      f.configure({ pin: PIN, welcomeMessageId: null });
      const led: string[] = [];
      f.camera.on('led', (state) => led.push(state));
      const ended: string[] = [];
      f.camera.on('call:ended', (_info, outcome) => ended.push(outcome));
      const { call } = await f.call('c1');
      await f.press(call, `${PIN}#1#`);
      call.ended('completed');
      call.ended('completed'); // idempotent
      await settle();
      expect(ended).toEqual(['completed']);
      expect(led).toEqual(['ringing', 'pin', 'connected', 'executing', 'connected', 'idle']);
      expect(f.camera.calls).toEqual([]);
      const entry = (await f.store.callLog.get('c1'))!;
      expect(entry).toMatchObject({ caller: '+4930123456', outcome: 'completed', commands: ['1 door opener'] });
      expect(entry.endedAt).not.toBeNull();
      expect((await f.store.events.latest())?.kind).toBe('call');
    });

    it('never writes the PIN or PIN digits to the log or the call log; menu keys are logged with their source', async () => {
      f.configure({ pin: '98765', welcomeMessageId: 'welcome' });
      const { port, call } = await f.call('c1');
      await f.press(call, '9'); // barge-in digit is a PIN digit
      await f.press(call, '8765#4#');
      port.finishPrompts();
      call.ended('completed');
      await settle();

      const text = JSON.stringify(f.logLines) + JSON.stringify((await f.store.callLog.list(10)));
      expect(text).not.toContain('98765');
      const keyLines = f.logLines.filter((line) => line.event === 'key');
      expect(keyLines.map((line) => line.key)).toEqual(['*', '*', '*', '*', '*', '#', '4', '#']);
      expect(keyLines.every((line) => line.callId === 'c1' && line.source === 'rfc4733')).toBe(true);
      for (const event of ['state', 'prompt', 'command', 'ended'])
        expect(f.logLines.some((line) => line.event === event && line.callId === 'c1')).toBe(true);
    });

    it('publishes each spoken text as a caption', async () => {
      f.configure({ pin: '', welcomeMessageId: null });
      const captions: string[] = [];
      f.camera.on('caption', (caption) => captions.push(`${caption.callId}|${caption.text}`));
      const { call } = await f.call('c1');
      await f.press(call, '4');
      expect(captions).toEqual(['c1|four: date and time']);
    });
  });
});

function incomingFrom(callId: string) {
  return {
    callId,
    caller: { uri: 'sip:+4930123456@provider.example;user=phone', displayName: '', transport: 'udp' as const },
    requestUser: 'camera',
    sourceAddress: '192.0.2.10',
  };
}
