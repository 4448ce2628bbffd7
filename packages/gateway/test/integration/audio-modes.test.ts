import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AudioMode, CameraStatus, IncomingCallsSettings, SettingsView } from '@camgate/protocol';

import { COMFORT_NOISE_DBOV } from '../../src/audio/comfort-noise.ts';
import { speakerFileName } from '../../src/audio/device/speaker.ts';
import { concatSamples, synthesizeTone } from '../../src/audio/synth.ts';
import { encodeWav } from '../../src/audio/wav.ts';
import { Baresip } from '../support/baresip.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { blocksWithTone, hasTone, rms, ROOM_TEST_HZ as SIMULATED_ROOM_HUM_HZ, wavBlocks, writeRoomToneWav } from '../support/tone.ts';

/** What the caller hears when the camera sends nothing else: comfort noise, well under -45 dBFS RMS. */
const COMFORT_NOISE_MAX_RMS = 10 ** (-45 / 20);

const CALLER_HZ = 440;
const BLOCK_MS = 20;
const CYCLE_TIME_MS = 1500;
/** baresip 1.0's aufile does not loop: at the end of its file it hangs up ("audio error"). */
const LEADING_SILENCE_S = 2;
const TONE_S = 3;
const TRAILING_SILENCE_S = 30;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (s: number) => s * 8000;

/** The caller: quiet, then "aah" at 440 Hz (about 35% RMS, far above the 5% threshold), then quiet. */
function callerWav(): Buffer {
  return encodeWav(
    concatSamples([
      new Int16Array(seconds(LEADING_SILENCE_S)),
      synthesizeTone([{ frequencyHz: CALLER_HZ, amplitude: 16_000 }], seconds(TONE_S)),
      new Int16Array(seconds(TRAILING_SILENCE_S)),
    ]),
  );
}

/** [start, end) block indexes of each run of blocks that satisfy `is`. */
function runs(blocks: Int16Array[], is: (block: Int16Array) => boolean): [number, number][] {
  const found: [number, number][] = [];
  blocks.forEach((block, i) => {
    if (!is(block)) return;
    const last = found.at(-1);
    if (last && last[1] === i) last[1] = i + 1;
    else found.push([i, i + 1]);
  });
  return found;
}

describe('audio modes with a SIP phone (baresip) — help page "Audio Mode" and "Intercom Settings"', () => {
  let gw: TestGateway;
  let workDir: string;
  const phones: Baresip[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'camgate-audio-modes-'));
    gw = await startTestGateway(['--microphone-wav', await writeRoomToneWav(workDir)]);
  });
  afterEach(async () => {
    for (const phone of phones.splice(0)) await phone.close();
    await eventually(async () => (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls.length === 0, 10_000, 'calls gone');
  });
  afterAll(async () => {
    await gw.close();
    await rm(workDir, { recursive: true, force: true });
  });

  /**
   * One call from baresip (recording both directions) in `mode` from the start: no welcome,
   * no PIN, so the camera says nothing and only the audio mode decides what is heard.
   * Returns baresip's recordings and the path of the camera speaker's file for the call.
   */
  async function call(mode: AudioMode, callMs: number, micWav?: string, duringCall?: () => Promise<void>) {
    const view = await gw.api<SettingsView>('GET', '/api/cameras/camera/settings');
    const settings: IncomingCallsSettings = {
      ...view.running,
      pin: '',
      acceptedCallers: [],
      welcomeMessageId: null,
      audioMode: mode,
      intercom: { thresholdPercent: 5, cycleTimeMs: CYCLE_TIME_MS },
    };
    await gw.api('PUT', '/api/cameras/camera/settings', settings);
    const recordDir = await mkdtemp(join(workDir, `${mode}-`));
    const phone = await Baresip.start({ recordDir, ...(micWav && { micWav }) });
    phones.push(phone);
    await phone.dial(gw.sipUri);
    await phone.waitForEvent('CALL_ESTABLISHED');
    const info = await eventually(async () => (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls[0], 10_000, 'the call');
    expect(info.audioMode).toBe(mode);
    await duringCall?.();
    await pause(callMs);
    await phone.hangup();
    await phone.waitForEvent('CALL_CLOSED');
    await phone.close(); // sndfile completes its WAVs on exit
    const { sent, received } = await phone.recordings();
    expect(sent).toHaveLength(1);
    expect(received).toHaveLength(1);
    return {
      sent: await wavBlocks(sent[0]!, BLOCK_MS),
      received: await wavBlocks(received[0]!, BLOCK_MS),
      speakerFile: join(gw.dataDir, 'speaker', speakerFileName(info.callId)),
    };
  }

  it('Intercom: the room microphone is muted while the caller talks, and back only after the cycle time', async () => {
    const micWav = join(workDir, 'caller.wav');
    await writeFile(micWav, callerWav());
    const { sent, received, speakerFile } = await call('intercom', (LEADING_SILENCE_S + TONE_S) * 1000 + CYCLE_TIME_MS + 2500, micWav);

    // What baresip said: one run of 440 Hz.
    const talk = runs(sent, (b) => hasTone(b, CALLER_HZ));
    expect(talk).toHaveLength(1);
    const [talkStart, talkEnd] = talk[0]!;
    const talkMs = (talkEnd - talkStart) * BLOCK_MS;
    expect(talkMs).toBeGreaterThan(TONE_S * 1000 - 100);

    // What baresip heard: the room hum, then none from the moment the caller talks until the
    // cycle time after they stop, then the hum again. Both edges of the gap are delayed alike
    // (network, jitter buffers), so its length is the camera's doing alone.
    const hum = runs(received, (b) => hasTone(b, SIMULATED_ROOM_HUM_HZ));
    expect(hum.length, `hum runs (20 ms blocks): ${JSON.stringify(hum)}`).toBe(2);
    const [before, after] = hum as [[number, number], [number, number]];
    expect((before[1] - before[0]) * BLOCK_MS).toBeGreaterThan(1000); // heard before the caller spoke
    expect((after[1] - after[0]) * BLOCK_MS).toBeGreaterThan(1000); // and again after
    const gapMs = (after[0] - before[1]) * BLOCK_MS;
    expect(gapMs).toBeGreaterThanOrEqual(talkMs + CYCLE_TIME_MS - 100);
    expect(gapMs).toBeLessThanOrEqual(talkMs + CYCLE_TIME_MS + 200);
    // Nothing but comfort noise reached the caller meanwhile (the microphone is muted, not ducked).
    expect(Math.max(...received.slice(before[1] + 1, after[0] - 1).map(rms))).toBeLessThan(COMFORT_NOISE_MAX_RMS);
    // The gap starts with the caller's talk (the two recordings start together within a few frames).
    expect(Math.abs(before[1] - talkStart) * BLOCK_MS).toBeLessThan(300);

    // The camera speaker played the caller's tone, and only while the caller had the line.
    const speaker = await wavBlocks(speakerFile, BLOCK_MS);
    expect(blocksWithTone(speaker, CALLER_HZ) * BLOCK_MS).toBeGreaterThan(talkMs - 200);
    expect(speaker.length * BLOCK_MS).toBeLessThanOrEqual(talkMs + CYCLE_TIME_MS + 200);
  }, 60_000);

  it('Intercom: a Set of the intercom settings reaches the running call at once', async () => {
    const micWav = join(workDir, 'caller.wav');
    await writeFile(micWav, callerWav());
    // While the caller is still quiet, the installer raises the threshold above the caller's level.
    const raiseThreshold = async () => {
      const view = await gw.api<SettingsView>('GET', '/api/cameras/camera/settings');
      await gw.api('PUT', '/api/cameras/camera/settings', { ...view.running, intercom: { thresholdPercent: 100, cycleTimeMs: CYCLE_TIME_MS } });
    };
    const { sent, received, speakerFile } = await call('intercom', (LEADING_SILENCE_S + TONE_S) * 1000 + CYCLE_TIME_MS, micWav, raiseThreshold);
    expect(runs(sent, (b) => hasTone(b, CALLER_HZ))).toHaveLength(1); // the caller talked
    // The room hum never stops: no level reaches 100 %, so the microphone is never muted ...
    const hum = runs(received, (b) => hasTone(b, SIMULATED_ROOM_HUM_HZ));
    expect(hum, `hum runs (20 ms blocks): ${JSON.stringify(hum)}`).toHaveLength(1);
    expect((hum[0]![1] - hum[0]![0]) * BLOCK_MS).toBeGreaterThan((LEADING_SILENCE_S + TONE_S) * 1000);
    // ... and the caller never gets the speaker.
    expect(existsSync(speakerFile)).toBe(false);
  }, 60_000);

  it('Speak: the caller hears nothing of the room microphone, only comfort noise (never dead silence)', async () => {
    const { sent, received } = await call('speak', 3000);
    expect(blocksWithTone(sent, CALLER_HZ) * BLOCK_MS).toBeGreaterThan(2000); // the caller talked
    expect(received.length * BLOCK_MS).toBeGreaterThan(2500); // and the camera's audio kept coming
    expect(blocksWithTone(received, SIMULATED_ROOM_HUM_HZ)).toBe(0);
    expect(Math.max(...received.map(rms))).toBeLessThan(COMFORT_NOISE_MAX_RMS);
    // Not digital silence: faint noise near COMFORT_NOISE_DBOV in (nearly) every 20 ms block after the start.
    const steady = received.slice(25, -5);
    expect(steady.filter((block) => rms(block) > 10 ** ((COMFORT_NOISE_DBOV - 15) / 20)).length).toBeGreaterThan(steady.length * 0.9);
  }, 30_000);

  it('Listen: nothing the caller says reaches the camera speaker', async () => {
    const { sent, speakerFile } = await call('listen', 3000);
    expect(blocksWithTone(sent, CALLER_HZ) * BLOCK_MS).toBeGreaterThan(2000); // the caller talked
    // The speaker channel opens on the first frame it plays; in Listen there is none.
    expect(existsSync(speakerFile)).toBe(false);
  }, 30_000);
});
