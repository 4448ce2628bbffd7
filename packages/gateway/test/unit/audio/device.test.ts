import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { SimulatedMicrophone } from '../../../src/audio/device/microphone.ts';
import { SimulatedSpeaker, SPEAKER_HOLD_MS, speakerFileName } from '../../../src/audio/device/speaker.ts';
import { decodeWav } from '../../../src/audio/wav.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { concatSamples, synthesizeTone } from '../../../src/audio/synth.ts';
import { dominantFrequency, rms, spectralFlatness } from '../../support/tone.ts';

const dir = mkdtempSync(join(tmpdir(), 'camgate-device-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SimulatedMicrophone', () => {
  it('hears a room, not a test tone: quiet noise whose level drifts, seamless at the loop point', () => {
    const clock = new FakeClock();
    const mic = new SimulatedMicrophone({ clock });
    const read = (seconds: number) => {
      const frames: Int16Array[] = [];
      for (let i = 0; i < seconds * 50; i++) {
        frames.push(mic.read());
        clock.advance(20);
      }
      return concatSamples(frames);
    };
    const room = read(31); // crosses the 30 s loop point
    const sine = synthesizeTone([{ frequencyHz: 1000, amplitude: 3277 }], 8000);
    // Noise spreads over the spectrum; a tone (the old 1 kHz hum) has a flatness near zero.
    expect(spectralFlatness(sine)).toBeLessThan(0.01);
    expect(spectralFlatness(room.subarray(0, 16_000))).toBeGreaterThan(0.1);
    // Quiet (a room, around -40 dBFS), never silent, and its level varies second by second.
    const levels = Array.from({ length: 30 }, (_, s) => rms(room.subarray(s * 8000, (s + 1) * 8000)));
    expect(Math.min(...levels)).toBeGreaterThan(10 ** (-60 / 20));
    expect(Math.max(...levels)).toBeLessThan(10 ** (-25 / 20));
    expect(Math.max(...levels) / Math.min(...levels)).toBeGreaterThan(1.3);
    // The loop point: no jump larger than the signal's ordinary sample-to-sample steps.
    const steps = (from: number, to: number) => {
      let largest = 0;
      for (let i = from; i < to; i++) largest = Math.max(largest, Math.abs(room[i + 1]! - room[i]!));
      return largest;
    };
    expect(steps(30 * 8000 - 20, 30 * 8000 + 20)).toBeLessThanOrEqual(steps(0, 30 * 8000 - 1));
  });

  it('is one device: every call reading in the same 20 ms hears the same sound', () => {
    const clock = new FakeClock();
    const mic = new SimulatedMicrophone({ clock });
    clock.advance(20 * 7);
    const callA = mic.read();
    const callB = mic.read();
    expect(Array.from(callB)).toEqual(Array.from(callA));
    clock.advance(20);
    expect(Array.from(mic.read())).not.toEqual(Array.from(callA));
  });

  it('loops a configured WAV file instead', () => {
    const path = join(dir, 'room.wav');
    execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', path, 'synth', '0.5', 'sine', '600']);
    const clock = new FakeClock();
    const mic = new SimulatedMicrophone({ clock, wavPath: path });
    const frames = Array.from({ length: 40 }, () => {
      clock.advance(20);
      return mic.read();
    });
    expect(dominantFrequency(concatSamples(frames), 500, 700)).toBe(600);
  });
});

describe('SimulatedSpeaker', () => {
  it('records each call to <dataDir>/speaker/<callId>.wav and reports its level', async () => {
    const speaker = new SimulatedSpeaker(dir);
    const channel = speaker.open('abc123@host');
    const frame = new Int16Array(160).fill(3277);
    channel.play(frame);
    expect(channel.levelPercent).toBeCloseTo(10, 0);
    await channel.close();
    const file = join(dir, 'speaker', 'abc123@host.wav');
    expect(decodeWav(readFileSync(file)).samples.length).toBe(160);
  });

  it('gives the speaker to one caller at a time; the other gets it once the first is quiet or gone', async () => {
    let now = 0;
    const speaker = new SimulatedSpeaker(dir, () => now);
    const first = speaker.open('first');
    const second = speaker.open('second');
    const voice = new Int16Array(160).fill(3277);
    const talk = (frames: number) => {
      for (let i = 0; i < frames; i++) {
        first.play(voice);
        second.play(voice);
        now += 20;
      }
    };
    talk(50); // both talk: only the first is heard
    expect(second.levelPercent).toBe(0);
    for (let i = 0; i < 60; i++, now += 20) second.play(voice); // the first went quiet for over a second
    expect(second.levelPercent).toBeGreaterThan(5);
    await first.close();
    await second.close();
    const samples = (id: string) => decodeWav(readFileSync(speaker.pathFor(id))).samples.length;
    expect(samples('first')).toBe(50 * 160);
    // The first's last frame came 20 ms before the second went on alone: that frame's hold ends one frame early.
    expect(samples('second')).toBe((60 - SPEAKER_HOLD_MS / 20 + 1) * 160);
  });

  it('never lets a Call-ID escape the speaker directory', () => {
    expect(speakerFileName('../../etc/passwd')).not.toContain('/');
    expect(speakerFileName('../../etc/passwd').startsWith('.')).toBe(false);
    expect(speakerFileName('a/b')).not.toBe(speakerFileName('a:b'));
    const speaker = new SimulatedSpeaker(dir);
    expect(speaker.pathFor('../x').startsWith(join(dir, 'speaker'))).toBe(true);
    expect(existsSync(join(dir, 'x.wav'))).toBe(false);
  });
});
