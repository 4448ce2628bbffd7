import type { SpokenLanguage } from '@camgate/protocol';

/**
 * Dates and times as the camera says them (key 4, key 0), in the order and words of the
 * caller's language, written so a TTS engine reads them naturally:
 * en "Thursday, the twenty-sixth of November 2026, 14:05",
 * de "Donnerstag, 26. November 2026, 14 Uhr 5", fr "jeudi 26 novembre 2026, 14 heures 5".
 * Weekday and month names come from Intl.DateTimeFormat in the camera's time zone.
 */

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
  'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty'];
const ORDINAL_ONES: Record<string, string> = {
  one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth',
};

/** Day of the month 1..31 as an English ordinal word: "first", "twenty-sixth", "thirty-first". */
function ordinalWord(day: number): string {
  const ordinal = (word: string) => ORDINAL_ONES[word] ?? (word.endsWith('y') ? `${word.slice(0, -1)}ieth` : `${word}th`);
  if (day < 20) return ordinal(ONES[day]!);
  const tens = TENS[Math.floor(day / 10)]!;
  const ones = day % 10;
  return ones === 0 ? ordinal(tens) : `${tens}-${ordinal(ONES[ones]!)}`;
}

type Parts = Record<Intl.DateTimeFormatPartTypes, string>;

function partsOf(epochMs: number, locale: string, timeZone: string | undefined): Parts {
  return Object.fromEntries(
    new Intl.DateTimeFormat(locale, {
      timeZone,
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(epochMs))
      .map((part) => [part.type, part.value]),
  ) as Parts;
}

/** The date as the language writes it (Intl's long form without the time: "Montag, 30. November 2026"). */
function writtenDate(epochMs: number, language: SpokenLanguage, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat(language, { timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(
    new Date(epochMs),
  );
}

/** The time of day as people say it: hour, the word for "o'clock", then the minutes (none on the hour). */
const SPOKEN_CLOCK: Record<Exclude<SpokenLanguage, 'en'>, (hour: number, minute: number) => string> = {
  de: (h, m) => `${h} Uhr${m ? ` ${m}` : ''}`,
  fr: (h, m) => `${h} ${h === 1 ? 'heure' : 'heures'}${m ? ` ${m}` : ''}`,
  es: (h, m) => `${h} ${h === 1 ? 'hora' : 'horas'}${m ? ` y ${m}` : ''}`,
  it: (h, m) => `ore ${h}${m ? ` e ${m}` : ''}`,
  nl: (h, m) => `${h} uur${m ? ` ${m}` : ''}`,
};

/** Formats an instant in `timeZone` (default: the system's) as the language says it. */
export function spokenDateTime(epochMs: number, timeZone?: string, language: SpokenLanguage = 'en'): string {
  const parts = partsOf(epochMs, language === 'en' ? 'en-GB' : language, timeZone);
  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  if (language === 'en') {
    return `${parts.weekday}, the ${ordinalWord(Number(parts.day))} of ${parts.month} ${parts.year}, ${String(hour).padStart(2, '0')}:${parts.minute}`;
  }
  return `${writtenDate(epochMs, language, timeZone)}, ${SPOKEN_CLOCK[language](hour, minute)}`;
}

/** An instant for an email body or a log a person reads: local date and time in the camera's zone and language. */
export function writtenDateTime(epochMs: number, timeZone?: string, language: SpokenLanguage = 'en'): string {
  return new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : language, {
    timeZone,
    dateStyle: 'full',
    timeStyle: 'long',
  }).format(new Date(epochMs));
}
