/** Whether `at` (epoch ms) falls in the quiet hours `from`–`to` (HH:MM in `timeZone`; `from` > `to` spans midnight). */
export function inQuietHours(quiet: { from: string; to: string } | null, at: number, timeZone: string): boolean {
  if (!quiet || quiet.from === quiet.to) return false;
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  const now = parts.replace(/[^0-9:]/g, '');
  return quiet.from < quiet.to ? now >= quiet.from && now < quiet.to : now >= quiet.from || now < quiet.to;
}
