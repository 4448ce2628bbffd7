// `npm run bench`: runs every benchmark in packages/gateway/bench (each prints its numbers).
// `npm run bench -- dtmf` runs only those whose file name contains "dtmf".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadEnv } from './env.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = 'packages/gateway/bench';
const filter = process.argv[2] ?? '';
const env = { ...loadEnv(), CAMGATE_LOG_LEVEL: 'silent' };
let failures = 0;
for (const file of fs.readdirSync(new URL(`../${dir}`, import.meta.url)).filter((f) => f.endsWith('.ts') && f.includes(filter)).sort()) {
  console.log(`\n=== ${file}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${dir}/${file}`], { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) failures++;
}
process.exit(failures ? 1 : 0);
