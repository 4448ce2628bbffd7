/**
 * The test environment shared by the Playwright config (main process) and the tests
 * (workers): ports, the admin password, a scratch directory and the two microphones.
 * The scratch directory is created once, by whichever process loads this first, and its
 * path is handed to the workers through the environment.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeToneWav } from './wav.ts';

/** The e2e gateway's ports; overridable when they are taken (CAMGATE_E2E_HTTP_PORT, CAMGATE_E2E_SIP_PORT). */
export const HTTP_PORT = Number(process.env.CAMGATE_E2E_HTTP_PORT ?? 18080);
export const SIP_PORT = Number(process.env.CAMGATE_E2E_SIP_PORT ?? 15060);
/** Ports of a second gateway some tests start themselves (CAMGATE_E2E_SECOND_HTTP_PORT, CAMGATE_E2E_SECOND_SIP_PORT). */
export const SECOND_HTTP_PORT = Number(process.env.CAMGATE_E2E_SECOND_HTTP_PORT ?? 18081);
export const SECOND_SIP_PORT = Number(process.env.CAMGATE_E2E_SECOND_SIP_PORT ?? 15061);
export const GATEWAY_URL = `http://127.0.0.1:${HTTP_PORT}`;
export const ADMIN_USER = 'admin';
export const ADMIN_PASSWORD = 'e2e-admin-pass';

/** What the camera's (simulated) microphone hears: a 1 kHz tone, found again in Listen mode. */
export const CAMERA_MIC_HZ = 1000;
/** What the browser's fake microphone sends: a 440 Hz tone, far from any DTMF pair. */
export const BROWSER_MIC_HZ = 440;

const SCRATCH_VARIABLE = 'CAMGATE_E2E_SCRATCH';

function scratchDirectory(): string {
  const existing = process.env[SCRATCH_VARIABLE];
  if (existing && fs.existsSync(existing)) return existing;
  const created = fs.mkdtempSync(path.join(os.tmpdir(), 'camgate-e2e-'));
  fs.mkdirSync(path.join(created, 'data'));
  writeToneWav(path.join(created, 'camera-mic.wav'), { frequencyHz: CAMERA_MIC_HZ, seconds: 2, amplitude: 0.5, sampleRate: 8000 });
  writeToneWav(path.join(created, 'browser-mic.wav'), { frequencyHz: BROWSER_MIC_HZ, seconds: 2, amplitude: 0.3, sampleRate: 48000 });
  process.env[SCRATCH_VARIABLE] = created;
  return created;
}

export const SCRATCH_DIR = scratchDirectory();
export const DATA_DIR = path.join(SCRATCH_DIR, 'data');
export const CAMERA_MIC_WAV = path.join(SCRATCH_DIR, 'camera-mic.wav');
export const BROWSER_MIC_WAV = path.join(SCRATCH_DIR, 'browser-mic.wav');

/** Screenshots for the README: `CAMGATE_SCREENSHOTS=docs/screenshots npm test` refreshes them; otherwise they stay with the test results. */
export const SCREENSHOT_DIR = path.resolve(
  import.meta.dirname,
  '../..',
  process.env.CAMGATE_SCREENSHOTS ?? 'test-results/screenshots',
);
