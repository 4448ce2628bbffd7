import { describe, expect, it } from 'vitest';
import type { DtmfSource } from '@camgate/protocol';
import { DtmfMerger } from '../../../src/calls/dtmf-merger.ts';

function setup() {
  let now = 0;
  const keys: [string, DtmfSource][] = [];
  let inbandDisabled = 0;
  const merger = new DtmfMerger(
    () => now,
    (key, source) => keys.push([key, source]),
    () => inbandDisabled++,
  );
  return { merger, keys, advance: (ms: number) => (now += ms), inbandDisabled: () => inbandDisabled };
}

describe('DtmfMerger: one key stream per call from RFC 4733, SIP INFO and in-band tones', () => {
  it('passes in-band keys while no out-of-band source has spoken', () => {
    const { merger, keys } = setup();
    merger.push('1', 'inband');
    merger.push('1', 'inband');
    expect(keys).toEqual([['1', 'inband'], ['1', 'inband']]);
  });

  it('switches in-band detection off at the first out-of-band key, and ignores in-band keys after it', () => {
    const t = setup();
    t.merger.push('5', 'rfc4733');
    t.advance(100);
    t.merger.push('5', 'inband'); // the same tone left in the audio
    t.advance(1000);
    t.merger.push('6', 'inband');
    expect(t.keys).toEqual([['5', 'rfc4733']]);
    expect(t.inbandDisabled()).toBe(1);
  });

  it('counts a key sent both as INFO and as RFC 4733 once, but repeated presses of one source each time', () => {
    const t = setup();
    t.merger.push('#', 'sip-info');
    t.advance(50);
    t.merger.push('#', 'rfc4733');
    t.advance(400);
    t.merger.push('#', 'rfc4733');
    t.advance(100);
    t.merger.push('#', 'rfc4733');
    expect(t.keys).toEqual([['#', 'sip-info'], ['#', 'rfc4733'], ['#', 'rfc4733']]);
  });
});
