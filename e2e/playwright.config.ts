/**
 * End-to-end tests in Debian's Chromium against a real gateway (started below with its own
 * data directory and ports). Run from the repository root:
 *   npx playwright test -c e2e/playwright.config.ts
 */
import { defineConfig } from '@playwright/test';
import {
  ADMIN_PASSWORD,
  BROWSER_MIC_WAV,
  CAMERA_MIC_WAV,
  DATA_DIR,
  GATEWAY_URL,
  HTTP_PORT,
  SIP_PORT,
} from './support/environment.ts';

const repositoryRoot = new URL('..', import.meta.url).pathname;

export default defineConfig({
  testDir: './tests',
  // One gateway, one camera: tests change its settings, so they run one after the other.
  workers: 1,
  fullyParallel: false,
  retries: process.env.CI ? 1 : 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  outputDir: '../test-results',
  globalTeardown: './global-teardown.ts',
  use: {
    baseURL: GATEWAY_URL,
    browserName: 'chromium',
    // Playwright cannot download its browser here; Debian's works.
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${BROWSER_MIC_WAV}`,
      ],
    },
    permissions: ['microphone'],
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: {
    // The gateway serves the built softphone at `/`: build it first, then start.
    command: 'npm run build -w @camgate/softphone && node scripts/start.mjs',
    cwd: repositoryRoot,
    url: `${GATEWAY_URL}/api/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      CAMGATE_HTTP_PORT: String(HTTP_PORT),
      CAMGATE_SIP_PORT: String(SIP_PORT),
      CAMGATE_DATA_DIR: DATA_DIR,
      CAMGATE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      CAMGATE_LOG_LEVEL: 'warn',
      CAMGATE_MICROPHONE_WAV: CAMERA_MIC_WAV,
    },
  },
});
