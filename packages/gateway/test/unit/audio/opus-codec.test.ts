import { createRequire } from 'node:module';

import type OpusScript from 'opusscript';
import { afterEach, describe, expect, it } from 'vitest';

import { OpusCodec } from '../../../src/audio/codecs/opus-codec.ts';
import { concatSamples, synthesizeTone } from '../../../src/audio/synth.ts';
import { dominantFrequency, frames, rms, toneAmplitude } from '../../support/tone.ts';

const OpusScriptClass = createRequire(import.meta.url)('opusscript') as typeof OpusScript;

const codecs: OpusCodec[] = [];
function codec(): OpusCodec {
  const c = new OpusCodec();
  codecs.push(c);
  return c;
}
afterEach(() => {
  for (const c of codecs.splice(0)) c.close();
});

const tone440 = synthesizeTone([{ frequencyHz: 440, amplitude: 8000 }], 8000);

describe('Opus codec (RFC 7587: 48 kHz RTP clock, 20 ms frames)', () => {
  it('declares the RTP clock and timestamp step of 48 kHz', () => {
    const c = codec();
    expect([c.name, c.clockRate, c.samplesPerFrame]).toEqual(['opus', 48_000, 960]);
  });

  it('carries a 440 Hz tone through encode and decode', () => {
    const sender = codec();
    const receiver = codec();
    const decoded = frames(tone440).map((f) => {
      const payload = sender.encode(f);
      expect(payload.length).toBeGreaterThan(0);
      expect(payload.length).toBeLessThan(120);
      return receiver.decode(payload);
    });
    for (const d of decoded) expect(d.length).toBe(160);
    const steady = concatSamples(decoded).subarray(1600);
    expect(dominantFrequency(steady, 400, 480)).toBe(440);
    expect(toneAmplitude(steady, 440)).toBeGreaterThan(8000 * 0.7);
  });

  it('decodes a packet holding several frames (a 60 ms browser packet) into 480 samples', () => {
    const browser = new OpusScriptClass(48_000, 1, OpusScriptClass.Application.VOIP);
    try {
      const pcm48 = synthesizeTone([{ frequencyHz: 440, amplitude: 8000 }], 2880, { rate: 48_000 });
      const packet = browser.encode(Buffer.from(pcm48.buffer), 2880);
      const decoded = codec().decode(packet);
      expect(decoded.length).toBe(480);
      expect(dominantFrequency(decoded.subarray(160), 400, 480)).toBe(440);
    } finally {
      browser.delete();
    }
  });

  it('conceals a lost packet with Opus PLC: a full frame that continues the tone', () => {
    const sender = codec();
    const receiver = codec();
    for (const f of frames(tone440).slice(0, 20)) receiver.decode(sender.encode(f));
    const concealed = receiver.conceal();
    expect(concealed.length).toBe(160);
    expect(rms(concealed)).toBeGreaterThan(0.03);
    // A burst of losses decays rather than buzzing on.
    const later = Array.from({ length: 10 }, () => receiver.conceal());
    expect(rms(later.at(-1)!)).toBeLessThan(rms(concealed));
  });

  it('conceals instead of throwing on a corrupt payload', () => {
    const receiver = codec();
    const out = receiver.decode(Buffer.from([0xff, 0xff, 0xff]));
    expect(out.length).toBe(160);
    expect(receiver.decodeErrors).toBe(1);
  });

  it('close is idempotent', () => {
    const c = new OpusCodec();
    c.close();
    expect(() => c.close()).not.toThrow();
  });
});
