import { redactUrl } from './cluster/redis-shared-state.ts';
import { loadConfig } from './config/config.ts';
import { ValidationError } from './core/errors.ts';
import { installLastResortGuard } from './core/last-resort.ts';
import { createLogger } from './core/logger.ts';
import { setEmitterLogger } from './core/typed-emitter.ts';
import { Gateway } from './gateway.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ValidationError) && !(error instanceof TypeError)) throw error;
  console.error(`camgate: ${error.message}`);
  process.exit(2);
}

const logger = createLogger(config.logLevel, config.logFormat);
setEmitterLogger(logger);
const started = Date.now();
let gateway: Gateway;
try {
  gateway = await Gateway.start(config, logger);
} catch (error) {
  logger.fatal({ err: error }, 'start-up failed');
  console.error(`camgate: could not start: ${(error as Error).message}`);
  process.exit(1);
}

installLastResortGuard(logger);

const { info } = gateway;
const lines = [
  '',
  `camgate is running (${((Date.now() - started) / 1000).toFixed(1)} s; mediasoup ${info.mediasoupVersion}, worker pid ${info.workerPids.join(', ')})`,
  `  camera UI:        ${info.httpUrl}`,
  `  call the camera:  ${info.sipAddress}  (UDP/TCP ${config.sipPort}; WebSocket ${info.httpUrl.replace(/^http/, 'ws')}sip)`,
  ...info.cameras.filter((c) => c.sipAddress !== info.sipAddress).map((c) => `  camera ${c.id.padEnd(10)}${c.sipAddress}`),
  info.newAdminPassword
    ? `  admin sign-in:    admin / ${info.newAdminPassword}   (shown once; only its hash is stored)`
    : `  admin sign-in:    admin (password set at the first start${config.adminPassword ? ' / CAMGATE_ADMIN_PASSWORD' : ''})`,
  `  data directory:   ${config.dataDir}`,
  ...(config.redis ? [`  shared state:     ${redactUrl(config.redis)}, this node "${config.nodeId}"`] : []),
  ...(config.database ? [`  database:         ${databaseServer(config.database)}`] : []),
  '',
];
console.log(lines.join('\n'));

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130);
    stopping = true;
    logger.info({ signal }, 'shutting down: ending calls');
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}

/** The PostgreSQL server and database of a URL, without its user and password. */
function databaseServer(url: string): string {
  const { protocol, host, pathname } = new URL(url);
  return `${protocol}//${host}${pathname}`;
}
