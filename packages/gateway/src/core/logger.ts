import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The one structured logger. Every call event is a line carrying `callId`.
 * Level from CAMGATE_LOG_LEVEL (tests default to silent so their output stays readable).
 */
export function createLogger(level: string = process.env.CAMGATE_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info')): Logger {
  return pino({
    level,
    base: undefined,
    // Belt and braces: a PIN must never reach a log line, whoever logs it.
    redact: { paths: ['pin', '*.pin', 'digits', '*.digits'], censor: '[redacted]' },
  });
}
