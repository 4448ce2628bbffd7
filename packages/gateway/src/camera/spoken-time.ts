/**
 * Dates and times as the camera says them (key 4, key 0), written so a TTS engine reads
 * them naturally: "Thursday, the twenty-sixth of November 2026, 14:05".
 */

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
  'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty'];
const ORDINAL_ONES: Record<string, string> = {
  one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth',
};

/** The spoken name of a keypad digit. */
export function digitWord(digit: number): string {
  return ONES[digit]!;
}

/** Day of the month 1..31 as an ordinal word: "first", "twenty-sixth", "thirty-first". */
function ordinalWord(day: number): string {
  const ordinal = (word: string) => ORDINAL_ONES[word] ?? (word.endsWith('y') ? `${word.slice(0, -1)}ieth` : `${word}th`);
  if (day < 20) return ordinal(ONES[day]!);
  const tens = TENS[Math.floor(day / 10)]!;
  const ones = day % 10;
  return ones === 0 ? ordinal(tens) : `${tens}-${ordinal(ONES[ones]!)}`;
}

/** Formats an instant in `timeZone` (default: the system's) as spoken English. */
export function spokenDateTime(epochMs: number, timeZone?: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(epochMs))
      .map((part) => [part.type, part.value]),
  ) as Record<Intl.DateTimeFormatPartTypes, string>;
  return `${parts.weekday}, the ${ordinalWord(Number(parts.day))} of ${parts.month} ${parts.year}, ${parts.hour}:${parts.minute}`;
}
