import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** json: one JSON object per line (CI, log shippers). pretty: one readable line per event. auto: pretty on a terminal. */
export type LogFormat = 'pretty' | 'json' | 'auto';

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const LEVEL_COLOURS: Record<number, string> = { 10: '90', 20: '90', 30: '32', 40: '33', 50: '31', 60: '35' };
/** Fields the pretty line shows in its own place, not as key=value. */
const PLACED = new Set(['level', 'time', 'msg', 'callId', 'component']);

/**
 * The one structured logger. Every call event is a line carrying `callId`.
 * Level from CAMGATE_LOG_LEVEL (tests default to silent so their output stays readable).
 */
export function createLogger(
  level: string = process.env.CAMGATE_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
  format: LogFormat = 'auto',
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): Logger {
  const options = {
    level,
    base: undefined,
    // Belt and braces: a PIN must never reach a log line, whoever logs it.
    redact: { paths: ['pin', '*.pin', 'digits', '*.digits'], censor: '[redacted]' },
  };
  const pretty = format === 'pretty' || (format === 'auto' && out.isTTY === true);
  if (pretty) return pino(options, prettyDestination(out, out.isTTY === true));
  // pino's own stdout stream (synchronous) unless another stream is given.
  return out === process.stdout ? pino(options) : pino(options, out);
}

/** Writes each pino line as `12:34:56.789 INFO  [call 3f2a…] message key=value …`, coloured on a terminal. */
function prettyDestination(out: NodeJS.WritableStream, colour: boolean): DestinationStream {
  return { write: (line: string) => void out.write(`${prettyLine(line, colour)}\n`) };
}

/** One JSON log line as a person reads it; a line that is not JSON passes through unchanged. */
export function prettyLine(json: string, colour = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const level = Number(entry.level);
  const paint = (code: string, text: string) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const name = (LEVEL_NAMES[level] ?? String(entry.level)).padEnd(5);
  const where = [entry.component, typeof entry.callId === 'string' ? `call ${entry.callId.slice(0, 12)}` : undefined]
    .filter((part) => part !== undefined)
    .map((part) => withoutControls(String(part)));
  const fields = Object.entries(entry)
    .filter(([key]) => !PLACED.has(key))
    .map(([key, value]) => withoutControls(`${key}=${formatValue(value)}`));
  return [
    paint('90', time),
    paint(LEVEL_COLOURS[level] ?? '0', name),
    where.length > 0 ? paint('36', `[${where.join(' ')}]`) : '',
    withoutControls(String(entry.msg ?? '')),
    paint('90', fields.join(' ')),
  ]
    .filter((part) => part !== '')
    .join(' ');
}

/** Text from callers may hold terminal escape sequences: control characters are shown escaped, never sent raw. */
function withoutControls(text: string): string {
  return text.replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function formatValue(value: unknown): string {
  // JSON.stringify escapes quotes and control characters.
  if (typeof value === 'string') return /[\s="\p{Cc}]/u.test(value) || value === '' ? JSON.stringify(value) : value;
  if (value !== null && typeof value === 'object' && 'message' in value) return JSON.stringify((value as { message: unknown }).message);
  return JSON.stringify(value);
}
