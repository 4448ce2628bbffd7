import { describe, expect, it } from 'vitest';
import { answersTo, isAccepted, normalizeNumber, presentCaller } from '../../../src/camera/caller-match.ts';
import type { CallerIdentity } from '../../../src/camera/call-port.ts';

const from = (uri: string): CallerIdentity => ({ uri, displayName: 'Someone', transport: 'udp' });

describe('caller match: "Accepted Phone Numbers or SIP Addresses"', () => {
  it('an empty list accepts every call (help page: not recommended, but the default)', () => {
    expect(isAccepted(from('sip:anyone@anywhere.example'), [])).toBe(true);
  });

  describe('numbers compare the way people write them', () => {
    const entry = '+49 30 1234-56';
    it.each([
      ['tel:+4930123456'],
      ['tel:+49-30-123456;phone-context=example.com'],
      ['sip:+4930123456@provider.example;user=phone'],
      ['<sip:+4930123456@provider.example:5060;user=phone>'],
      ['"Alice" <sip:0049301234%2056@provider.example>'],
      ['sips:+49(30)123456@other.example'],
    ])('%s matches %s', (uri) => {
      expect(isAccepted(from(uri), [entry])).toBe(true);
    });

    it.each([
      ['0049 30 1234 56'],
      ['+49 (0)30 123456'],
      ['tel:+4930123456'],
      ['+49.30.123456'],
    ])('entry %s matches sip:+4930123456@p', (listEntry) => {
      expect(isAccepted(from('sip:+4930123456@p.example'), [listEntry])).toBe(true);
    });

    it.each([
      ['sip:+4930123457@provider.example', 'another number'],
      ['sip:+494930123456@provider.example', 'a longer number'],
      ['sip:30123456@provider.example', 'a suffix (no suffix matching)'],
      ['sip:123456@provider.example', 'the last six digits'],
      ['sip:+4930123456x@provider.example', 'not a number'],
    ])('%s does not match (%s)', (uri) => {
      expect(isAccepted(from(uri), [entry])).toBe(false);
    });

    it('a national number matches the international one only with a configured country code', () => {
      const caller = from('sip:+4930123456@provider.example');
      expect(isAccepted(caller, ['030 123456'])).toBe(false);
      expect(isAccepted(caller, ['030 123456'], { countryCode: '49' })).toBe(true);
      expect(isAccepted(caller, ['030 123456'], { countryCode: '43' })).toBe(false);
      expect(isAccepted(from('sip:030123456@pbx.example'), ['+49 30 123456'], { countryCode: '49' })).toBe(true);
      expect(isAccepted(from('sip:030123456@pbx.example'), ['030/123456'])).toBe(true);
    });

    it('internal extensions match literally', () => {
      expect(isAccepted(from('sip:21@pbx.example'), ['21'])).toBe(true);
      expect(isAccepted(from('sip:210@pbx.example'), ['21'])).toBe(false);
    });

    it('normalizes separators and 00', () => {
      expect(normalizeNumber('0049 (30) 1234-56')).toBe('+4930123456');
      expect(normalizeNumber('+49 (0)30 123456')).toBe('+4930123456');
      expect(normalizeNumber('alice')).toBeNull();
    });
  });

  describe('SIP addresses compare user and host', () => {
    const entry = 'sip:alice@Example.org';
    it.each([
      ['sip:alice@example.org'],
      ['sips:alice@EXAMPLE.ORG'],
      ['"Mallory" <sip:alice@example.org:5070;transport=tcp>'],
      ['sip:alice:secret@example.org;lr?subject=x'],
      ['sip:%61lice@example.org'],
    ])('%s matches', (uri) => {
      expect(isAccepted(from(uri), [entry])).toBe(true);
    });

    it.each([
      ['sip:Alice@example.org', 'the user is case-sensitive (RFC 3261 §19.1.4)'],
      ['sip:alice@example.com', 'another host'],
      ['sip:alice@sub.example.org', 'a subdomain'],
      ['sip:bob@example.org', 'another user'],
      ['sip:example.org', 'no user'],
    ])('%s does not match (%s)', (uri) => {
      expect(isAccepted(from(uri), [entry])).toBe(false);
    });

    it('an entry without a scheme is a SIP address too', () => {
      expect(isAccepted(from('sip:alice@example.org'), ['alice@example.org'])).toBe(true);
    });

    it('an entry that is only a user name names that user on any host', () => {
      expect(isAccepted(from('sip:doorbell@10.0.0.5'), ['doorbell'])).toBe(true);
      expect(isAccepted(from('sip:doorbell2@10.0.0.5'), ['doorbell'])).toBe(false);
    });

    it('a SIP entry with a number user compares the number on that host', () => {
      expect(isAccepted(from('sip:+49-30-123456@provider.example'), ['sip:+4930123456@provider.example'])).toBe(true);
      expect(isAccepted(from('sip:+4930123456@other.example'), ['sip:+4930123456@provider.example'])).toBe(false);
    });

    it('an unparsable From matches nothing', () => {
      expect(isAccepted(from(''), ['alice'])).toBe(false);
      expect(isAccepted(from('sip:'), ['alice'])).toBe(false);
    });
  });

  it('accepts when any line of the list matches', () => {
    expect(isAccepted(from('sip:bob@example.org'), ['+4930123456', 'sip:bob@example.org'])).toBe(true);
  });
});

describe('answer to (the camera\'s MSN)', () => {
  it('answers to any number when the list is empty', () => {
    expect(answersTo('anything', [])).toBe(true);
  });

  it('compares dialled numbers as numbers and users literally', () => {
    expect(answersTo('+4930999', ['0049 30 999'])).toBe(true);
    expect(answersTo('030999', ['+4930999'], { countryCode: '49' })).toBe(true);
    expect(answersTo('camera', ['sip:camera@gateway.local'])).toBe(true);
    expect(answersTo('camera', ['door'])).toBe(false);
    expect(answersTo('+4930998', ['+4930999'])).toBe(false);
  });
});

describe('presentCaller: the last caller as the dialog offers it', () => {
  it.each([
    ['sip:+4930123456@provider.example;user=phone', '+4930123456'],
    ['"Bob" <sip:Bob@EXAMPLE.org:5070;transport=tcp>', 'sip:Bob@example.org'],
    ['tel:+49-30-123456', '+4930123456'],
    ['sip:evil%0D%0ABcc%3A%20x%40y@attacker.example', 'sip:evil%0D%0ABcc%3A%20x%40y@attacker.example'],
    ['not a uri at all', 'unknown'],
  ])('%s -> %s', (uri, shown) => {
    expect(presentCaller(uri)).toBe(shown);
  });

  it('is always a valid accepted-list entry that matches the same caller again', () => {
    for (const uri of ['sip:a%25b@h.example', 'sip:Bob@EXAMPLE.org', 'sip:+4930123456@p', 'sip:evil%0D%0A@x']) {
      const shown = presentCaller(uri);
      expect(shown).toMatch(/^[^\s<>"]+$/);
      expect(isAccepted(from(uri), [shown])).toBe(true);
    }
  });
});
