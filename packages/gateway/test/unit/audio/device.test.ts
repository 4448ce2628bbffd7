import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { SIMULATED_ROOM_HUM_HZ, SimulatedMicrophone } from '../../../src/audio/device/microphone.ts';
import { SimulatedSpeaker, speakerFileName } from '../../../src/audio/device/speaker.ts';
import { decodeWav } from '../../../src/audio/wav.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { concatSamples } from '../../../src/audio/synth.ts';
import { dominantFrequency, toneAmplitude } from '../../support/tone.ts';

const dir = mkdtempSync(join(tmpdir(), 'camgate-device-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SimulatedMicrophone', () => {
  it('hears a 1 kHz room hum, continuous across frames', () => {
    const clock = new FakeClock();
    const mic = new SimulatedMicrophone({ clock });
    const frames: Int16Array[] = [];
    for (let i = 0; i < 60; i++) {
      frames.push(mic.read());
      clock.advance(20);
    }
    const audio = concatSamples(frames); // 1.2 s: crosses the loop point
    expect(SIMULATED_ROOM_HUM_HZ).toBe(1000);
    expect(dominantFrequency(audio.subarray(0, 1600), 500, 1500)).toBe(1000);
    // -20 dBFS hum: 3277 peak; a click at a frame border or loop point would leak energy elsewhere.
    expect(toneAmplitude(audio, 1000)).toBeGreaterThan(3200);
    expect(toneAmplitude(audio, 1050)).toBeLessThan(50);
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

  it('never lets a Call-ID escape the speaker directory', () => {
    expect(speakerFileName('../../etc/passwd')).not.toContain('/');
    expect(speakerFileName('../../etc/passwd').startsWith('.')).toBe(false);
    expect(speakerFileName('a/b')).not.toBe(speakerFileName('a:b'));
    const speaker = new SimulatedSpeaker(dir);
    expect(speaker.pathFor('../x').startsWith(join(dir, 'speaker'))).toBe(true);
    expect(existsSync(join(dir, 'x.wav'))).toBe(false);
  });
});
