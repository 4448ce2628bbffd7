/**
 * Import first in a bench that loads mediasoup: mediasoup reads MEDIASOUP_WORKER_BIN once,
 * when it is loaded. `npm run bench` sets it already (the environment `npm run setup`
 * saved); this covers running a bench directly with `npx tsx`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ENV_FILE = fileURLToPath(new URL('../../../../node_modules/.camgate/env.json', import.meta.url));

if (!process.env.MEDIASOUP_WORKER_BIN) {
  const saved = existsSync(ENV_FILE) ? (JSON.parse(readFileSync(ENV_FILE, 'utf8')) as { MEDIASOUP_WORKER_BIN?: string }) : {};
  process.env.MEDIASOUP_WORKER_BIN = saved.MEDIASOUP_WORKER_BIN ?? join(homedir(), '.cache', 'camgate', 'mediasoup-worker-3.12.16');
}
