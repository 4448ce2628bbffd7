// `npm test`: static checks, vitest (unit + integration), Playwright in Debian's Chromium.
// Ends with one line `N passed, N failed` and a non-zero exit on any failure.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEnv } from './env.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = { ...loadEnv(), CAMGATE_LOG_LEVEL: process.env.CAMGATE_LOG_LEVEL ?? 'silent' };
const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'camgate-test-'));
const only = process.argv[2]; // optional: "checks" | "vitest" | "e2e"

let passed = 0;
let failed = 0;
let skipped = 0;

function run(label, command, args, extraEnv = {}) {
  const started = Date.now();
  console.log(`\n▶ ${label}`);
  const result = spawnSync(command, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: 'inherit' });
  console.log(`◀ ${label}: ${result.status === 0 ? 'ok' : `exit ${result.status ?? result.signal}`} (${Math.round((Date.now() - started) / 1000)} s)`);
  return result.status === 0;
}

function check(label, command, args) {
  if (run(label, command, args)) passed++;
  else failed++;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

if (!only || only === 'checks') {
  check('typecheck (gateway, protocol, e2e)', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
  check('typecheck (softphone)', 'npx', ['tsc', '-p', 'packages/softphone/tsconfig.json', '--noEmit']);
  check('lint', 'npx', ['eslint', '.']);
}

if (!only || only === 'vitest') {
  const file = path.join(reports, 'vitest.json');
  const ok = run('vitest (unit + integration)', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${file}`]);
  const report = readJson(file);
  if (report) {
    passed += report.numPassedTests;
    failed += report.numFailedTests + (report.numFailedTestSuites ?? 0);
    skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  }
  if (!ok && (!report || report.numFailedTests + (report.numFailedTestSuites ?? 0) === 0)) failed++;
}

if (!only || only === 'e2e') {
  const file = path.join(reports, 'playwright.json');
  const ok = run('playwright (Chromium)', 'npx', ['playwright', 'test', '-c', 'e2e/playwright.config.ts', '--reporter=list,json'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: file,
  });
  const stats = readJson(file)?.stats;
  if (stats) {
    passed += stats.expected;
    failed += stats.unexpected;
    skipped += stats.skipped;
  }
  if (!ok && (!stats || stats.unexpected === 0)) failed++;
}

fs.rmSync(reports, { recursive: true, force: true });
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 ? 0 : 1);
