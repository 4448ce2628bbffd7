/** Plain-text formatting shared by the components. */

/** `m:ss` (or `h:mm:ss`) for a duration; negative durations show as 0:00. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Date and time in the browser's language and time zone (the gateway sends UTC epoch ms). */
const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function formatTime(epochMs: number): string {
  return DATE_TIME.format(epochMs);
}
