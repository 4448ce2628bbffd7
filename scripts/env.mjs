// The environment scripts/setup.mjs resolved for this checkout (MEDIASOUP_WORKER_BIN, ...).
// Start and test scripts call loadEnv() before they import mediasoup or spawn the gateway:
// mediasoup reads MEDIASOUP_WORKER_BIN once, when it is first loaded.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ENV_FILE = fileURLToPath(new URL('../node_modules/.camgate/env.json', import.meta.url));

/** Merges the saved environment into process.env and returns process.env. */
export function loadEnv() {
  let saved;
  try {
    saved = JSON.parse(fs.readFileSync(ENV_FILE, 'utf8'));
  } catch (err) {
    if (err.code === 'ENOENT') throw new Error(`${ENV_FILE} is missing: run \`node scripts/setup.mjs\` first`);
    throw err;
  }
  return Object.assign(process.env, saved);
}
