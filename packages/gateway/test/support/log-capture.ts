import { pino, type Logger } from 'pino';

/** A pino logger whose lines (parsed JSON) land in `lines`, for asserting what was logged. */
export function capturingLogger(level = 'debug'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}
