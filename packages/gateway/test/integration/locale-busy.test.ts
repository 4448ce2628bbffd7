import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CameraStatus, IncomingCallsSettings, SettingsView } from '@camgate/protocol';
import { speakerFileName } from '../../src/audio/device/speaker.ts';
import { EspeakTts } from '../../src/audio/speech/espeak-tts.ts';
import { voiceFor } from '../../src/audio/speech/voices.ts';
import { readWav } from '../../src/audio/wav.ts';
import { spokenDateTime } from '../../src/camera/spoken-time.ts';
import { Baresip, sineWav } from '../support/baresip.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { bestMatch, blocksWithTone, wavBlocks } from '../support/tone.ts';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('locale and busy policy with SIP phones (baresip)', () => {
  let gw: TestGateway;
  let workDir: string;
  const tts = new EspeakTts();
  const phones: Baresip[] = [];
  const newPhone = async (options: Parameters<typeof Baresip.start>[0] = {}) => {
    const phone = await Baresip.start(options);
    phones.push(phone);
    return phone;
  };
  const settings = async (change: Partial<IncomingCallsSettings>) => {
    const view = await gw.api<SettingsView>('GET', '/api/cameras/camera/settings');
    await gw.api('PUT', '/api/cameras/camera/settings', { ...view.running, ...change });
  };
  const status = () => gw.api<CameraStatus>('GET', '/api/cameras/camera/status');

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'camgate-locale-'));
    gw = await startTestGateway();
  });
  afterEach(async () => {
    for (const phone of phones.splice(0)) await phone.close();
    await eventually(async () => (await status()).calls.length === 0, 10_000, 'calls gone');
  });
  afterAll(async () => {
    await gw.close();
    await tts.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('speaks German when the language is German: the recording matches the German rendering, not the English one', async () => {
    const recordDir = await mkdtemp(join(workDir, 'rec-'));
    await settings({
      pin: '', acceptedCallers: [], audioMode: 'none', welcomeMessageId: null,
      locale: { countryCode: '49', trunkPrefix: '0', timeZone: 'Europe/Berlin', language: 'de' },
    });
    const phone = await newPhone({ recordDir });
    await phone.dial(gw.sipUri);
    await phone.waitForEvent('CALL_ESTABLISHED');
    await eventually(async () => (await status()).calls[0]?.phase === 'connected', 10_000, 'connected');
    await phone.sendDtmf('4');
    await pause(3000); // the selection is spoken (a German voice just chosen may still be rendering its phrases)
    const pressedAt = Date.now();
    await phone.sendDtmf('#');
    await pause(9000); // the German date takes about 6 s to say
    await phone.hangup();
    await phone.waitForEvent('CALL_CLOSED');
    await phone.close();
    const [received] = (await readdir(recordDir)).filter((f) => f.endsWith('-dec.wav'));
    const heard = readWav(await readFile(join(recordDir, received!)), 8000).samples;

    const render = (text: string, language: 'de' | 'en') => tts.synthesize(text, voiceFor(language));
    // The selection prompt of key 4.
    const german = bestMatch(heard, await render('vier: Datum und Uhrzeit', 'de'));
    const english = bestMatch(heard, await render('four: date and time', 'en'));
    expect(german, `selection: German ${german.toFixed(2)}, English ${english.toFixed(2)}`).toBeGreaterThan(0.6);
    expect(german).toBeGreaterThan(english + 0.3);
    // The date, in German order (the minute may have turned while the key travelled).
    const dates = await Promise.all(
      [pressedAt, pressedAt + 60_000].map((at) => render(`Es ist ${spokenDateTime(at, 'Europe/Berlin', 'de')}.`, 'de')),
    );
    const germanDate = Math.max(...dates.map((date) => bestMatch(heard, date)));
    const englishDate = bestMatch(heard, await render(`It is ${spokenDateTime(pressedAt, 'Europe/Berlin', 'en')}.`, 'en'));
    expect(germanDate, `date: German ${germanDate.toFixed(2)}, English ${englishDate.toFixed(2)}`).toBeGreaterThan(0.6);
    expect(germanDate).toBeGreaterThan(englishDate + 0.3);
  }, 60_000);

  it('matches a national caller (0301234567) with an international entry (+49 30 1234567) once the country is set', async () => {
    await settings({ pin: '', acceptedCallers: ['+49 30 1234567'], locale: { countryCode: '', trunkPrefix: '0', timeZone: 'UTC', language: 'en' } });
    let phone = await newPhone({ aor: 'sip:0301234567@127.0.0.1' });
    await phone.dial(gw.sipUri);
    expect((await phone.waitForEvent('CALL_CLOSED')).param).toMatch(/403/);
    await phone.close();

    await settings({ locale: { countryCode: '49', trunkPrefix: '0', timeZone: 'Europe/Berlin', language: 'en' } });
    phone = await newPhone({ aor: 'sip:0301234567@127.0.0.1' });
    await phone.dial(gw.sipUri);
    await phone.waitForEvent('CALL_ESTABLISHED');
    await phone.hangup();
    await phone.waitForEvent('CALL_CLOSED');
  }, 40_000);

  /** A first call is up; a second phone dials under `policy`. */
  const secondCaller = async (policy: 'reject' | 'queue') => {
    await settings({ pin: '', acceptedCallers: [], audioMode: 'none', busy: { policy, queueSeconds: 25 } });
    const first = await newPhone();
    await first.dial(gw.sipUri);
    await first.waitForEvent('CALL_ESTABLISHED');
    const second = await newPhone({ aor: 'sip:second@127.0.0.1' });
    await second.dial(gw.sipUri);
    return { first, second };
  };

  it('busy policy reject: the second caller gets 486 Busy Here', async () => {
    const { second } = await secondCaller('reject');
    expect((await second.waitForEvent('CALL_CLOSED')).param).toMatch(/486/);
    expect(second.events.some((e) => e.type === 'CALL_ESTABLISHED')).toBe(false);
  }, 40_000);

  it('busy policy queue: the second caller rings until the first hangs up, then is answered', async () => {
    const { first, second } = await secondCaller('queue');
    await second.waitForEvent('CALL_RINGING');
    await pause(3000);
    expect(second.events.some((e) => e.type === 'CALL_ESTABLISHED' || e.type === 'CALL_CLOSED')).toBe(false);
    await first.hangup();
    await first.waitForEvent('CALL_CLOSED');
    await second.waitForEvent('CALL_ESTABLISHED', 10_000);
    await second.hangup();
    await second.waitForEvent('CALL_CLOSED');
  }, 40_000);

  it('busy policy allow: both callers are connected, and the speaker plays one of them at a time', async () => {
    await settings({ pin: '', acceptedCallers: [], audioMode: 'speak', busy: { policy: 'allow', queueSeconds: 25 } });
    const secondWav = join(workDir, 'second.wav');
    await writeFile(secondWav, sineWav(660, 60));
    const first = await newPhone(); // talks at 440 Hz
    await first.dial(gw.sipUri);
    await first.waitForEvent('CALL_ESTABLISHED');
    await eventually(async () => (await status()).calls[0]?.audioMode === 'speak', 10_000, 'first in speak mode');
    await pause(1000);
    const second = await newPhone({ aor: 'sip:second@127.0.0.1', micWav: secondWav }); // talks at 660 Hz
    await second.dial(gw.sipUri);
    await second.waitForEvent('CALL_ESTABLISHED');
    await eventually(async () => (await status()).calls.length === 2 && (await status()).calls.every((c) => c.audioMode === 'speak'), 10_000, 'both in speak mode');
    const [firstCall, secondCall] = (await status()).calls.sort((a, b) => a.startedAt - b.startedAt);
    await pause(3000); // both talk at once
    await first.hangup();
    await first.waitForEvent('CALL_CLOSED');
    await pause(3000); // the second alone
    await second.hangup();
    await second.waitForEvent('CALL_CLOSED');
    await eventually(async () => (await status()).calls.length === 0, 10_000, 'calls gone');

    const speakerFile = (callId: string) => join(gw.dataDir, 'speaker', speakerFileName(callId));
    const firstHeard = await wavBlocks(speakerFile(firstCall!.callId));
    const secondHeard = await wavBlocks(speakerFile(secondCall!.callId));
    expect(blocksWithTone(firstHeard, 440)).toBeGreaterThan(30); // the first held the speaker
    // The second reached the speaker only once the first had gone: about 3 s, not 6.
    expect(blocksWithTone(secondHeard, 660)).toBeGreaterThan(15);
    expect(blocksWithTone(secondHeard, 660)).toBeLessThan(45);
    expect(blocksWithTone(secondHeard, 440)).toBe(0);
  }, 60_000);
});
