import { describe, expect, it } from 'vitest';
import { FACTORY_SETTINGS, IncomingCallsSettingsSchema, SPOKEN_LANGUAGES, type LocaleSettings } from '@camgate/protocol';
import { isAccepted } from '../../../src/camera/caller-match.ts';
import { PHRASES, fixedPhrases } from '../../../src/camera/phrases.ts';
import { spokenDateTime } from '../../../src/camera/spoken-time.ts';
import { createCameraFixture, incoming } from './camera-fixture.ts';

/** Monday, 30 November 2026, 13:05 UTC = 14:05 in Berlin, Paris, Madrid, Rome, Amsterdam. */
const MONDAY = Date.UTC(2026, 10, 30, 13, 5);
const locale = (patch: Partial<LocaleSettings>) => ({ ...FACTORY_SETTINGS.locale, ...patch });

describe('locale settings: where the camera is', () => {
  it('refuses a bad time zone, language or country code naming the field', () => {
    const fieldOf = (patch: Partial<LocaleSettings>) => {
      const result = IncomingCallsSettingsSchema.safeParse({ ...FACTORY_SETTINGS, locale: locale(patch) });
      return result.success ? null : result.error.issues.map((issue) => issue.path.join('.'));
    };
    expect(fieldOf({ timeZone: 'Europe/Atlantis' })).toEqual(['locale.timeZone']);
    expect(fieldOf({ language: 'klingon' as LocaleSettings['language'] })).toEqual(['locale.language']);
    expect(fieldOf({ countryCode: '+49' })).toEqual(['locale.countryCode']);
    expect(fieldOf({ trunkPrefix: 'x' })).toEqual(['locale.trunkPrefix']);
    expect(fieldOf({ timeZone: 'Europe/Berlin', language: 'de', countryCode: '49' })).toBeNull();
  });

  it('reads settings stored before the locale existed with the factory locale and busy policy', () => {
    const { locale: _locale, busy: _busy, ...old } = FACTORY_SETTINGS;
    const parsed = IncomingCallsSettingsSchema.parse(old);
    expect(parsed.locale).toEqual({ countryCode: '', trunkPrefix: '0', timeZone: 'UTC', language: 'en' });
    expect(parsed.busy).toEqual({ policy: 'allow', queueSeconds: 25 });
  });
});

describe('number matching with the country code and trunk prefix', () => {
  const from = (uri: string) => ({ uri, displayName: '', transport: 'udp' as const });

  it('matches a national caller with an international entry once the country is set', () => {
    expect(isAccepted(from('sip:0301234567@127.0.0.1'), ['+49 30 1234567'])).toBe(false);
    expect(isAccepted(from('sip:0301234567@127.0.0.1'), ['+49 30 1234567'], { countryCode: '49', trunkPrefix: '0' })).toBe(true);
    expect(isAccepted(from('sip:0301234567@127.0.0.1'), ['+43 30 1234567'], { countryCode: '49', trunkPrefix: '0' })).toBe(false);
  });

  it('uses the configured trunk prefix, and none where the country has none', () => {
    // North America: trunk prefix 1.
    expect(isAccepted(from('tel:12125550100'), ['+1 212 555 0100'], { countryCode: '1', trunkPrefix: '1' })).toBe(true);
    // Italy keeps the leading 0 of landlines in international form.
    expect(isAccepted(from('tel:0612345678'), ['+39 06 1234 5678'], { countryCode: '39', trunkPrefix: '' })).toBe(true);
    // ...but a short internal extension never turns into a country number.
    expect(isAccepted(from('sip:21@pbx.example'), ['+3921'], { countryCode: '39', trunkPrefix: '' })).toBe(false);
  });

  it('Camera.decide uses the running locale', async () => {
    const f = await createCameraFixture();
    try {
      f.configure({ acceptedCallers: ['+49 30 1234567'] });
      const caller = incoming('c1', { uri: 'sip:0301234567@192.0.2.10' });
      expect(f.camera.decide(caller)).toEqual({ accept: false, reason: 'not-accepted' });
      f.configure({ acceptedCallers: ['+49 30 1234567'], locale: locale({ countryCode: '49' }) });
      expect(f.camera.decide(caller)).toEqual({ accept: true, ring: false });
    } finally {
      await f.close();
    }
  });
});

describe('dates and times spoken the way each language says them', () => {
  it('puts the parts in each language\'s order, in the camera\'s time zone', () => {
    expect(spokenDateTime(MONDAY, 'Europe/Berlin', 'de')).toBe('Montag, 30. November 2026, 14 Uhr 5');
    expect(spokenDateTime(MONDAY, 'Europe/Paris', 'fr')).toBe('lundi 30 novembre 2026, 14 heures 5');
    expect(spokenDateTime(MONDAY, 'Europe/Madrid', 'es')).toBe('lunes, 30 de noviembre de 2026, 14 horas y 5');
    expect(spokenDateTime(MONDAY, 'Europe/Rome', 'it')).toBe('lunedì 30 novembre 2026, ore 14 e 5');
    expect(spokenDateTime(MONDAY, 'Europe/Amsterdam', 'nl')).toBe('maandag 30 november 2026, 14 uur 5');
    expect(spokenDateTime(MONDAY, 'Europe/London', 'en')).toBe('Monday, the thirtieth of November 2026, 13:05');
    expect(spokenDateTime(Date.UTC(2026, 10, 30, 23, 0), 'Europe/Berlin', 'de')).toBe('Dienstag, 1. Dezember 2026, 0 Uhr');
  });

  it('has every fixed phrase in every language, and none left in English', () => {
    const english = new Set(fixedPhrases(PHRASES.en, [1, 3, 4, 5, 6, 7, 8, 9, 0]));
    for (const language of SPOKEN_LANGUAGES) {
      const phrases = fixedPhrases(PHRASES[language], [1, 3, 4, 5, 6, 7, 8, 9, 0]);
      expect(phrases.every((text) => text.trim().length > 1)).toBe(true);
      if (language !== 'en') expect(phrases.filter((text) => english.has(text))).toEqual([]);
    }
  });
});
