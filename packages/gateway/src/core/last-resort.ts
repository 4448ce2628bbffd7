import type { Logger } from './logger.ts';

/**
 * The last line of defence once the gateway runs: an exception or rejection that escaped a
 * network handler (a socket, a timer, a parser) is logged with its error and dropped, so one
 * peer's bad input cannot stop every call. Installed only after start-up succeeded: a
 * start-up failure still ends the process (main.ts exits non-zero).
 */
export function installLastResortGuard(logger: Logger, target: NodeJS.Process = process): void {
  target.on('uncaughtException', (error, origin) => {
    logger.error({ err: error, origin }, 'uncaught exception from a handler; dropped, the gateway keeps running');
  });
  target.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled rejection from a handler; dropped, the gateway keeps running');
  });
}
