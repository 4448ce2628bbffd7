// Starts the gateway (TypeScript run directly through tsx) with the environment setup resolved.
// Flags after `npm start --` reach the gateway: `npm start -- --http-port 9000`.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadEnv } from './env.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const child = spawn(
  process.execPath,
  ['--import', 'tsx', 'packages/gateway/src/main.ts', ...process.argv.slice(2)],
  { cwd: root, env: loadEnv(), stdio: 'inherit' },
);
// The gateway handles SIGINT/SIGTERM itself (ends calls, closes workers); pass them on.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
