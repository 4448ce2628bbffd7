/**
 * A whole gateway in the test process, on free ports and a temp data directory, with a
 * small REST client signed in as admin.
 *
 *   const gw = await startTestGateway();
 *   await gw.api('PUT', '/api/cameras/camera/settings', { ...settings, pin: '1234' });
 *   // dial gw.sipUri with a real phone ...
 *   await gw.close();
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { Gateway } from '../../src/gateway.ts';
import { freeSipPort, freeTcpPort } from './ports.ts';

export const TEST_ADMIN_PASSWORD = 'test-admin-password';

export interface TestGateway {
  gateway: Gateway;
  baseUrl: string;
  sipPort: number;
  sipUri: string;
  dataDir: string;
  /** The signed-in admin's session cookie (`name=value`), for raw requests. */
  cookie: string;
  /** Calls the REST API as the signed-in admin; throws on a non-2xx answer. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

let nextRtpBase = 30000;

export async function startTestGateway(flags: string[] = [], existingDataDir?: string): Promise<TestGateway> {
  const dataDir = existingDataDir ?? (await mkdtemp(join(tmpdir(), 'camgate-gw-')));
  const sipPort = await freeSipPort();
  const httpPort = await freeTcpPort();
  // Each gateway of a run gets its own RTP port block, so a slow teardown cannot collide.
  const rtpMin = nextRtpBase;
  nextRtpBase += 200;
  const config = loadConfig(
    [
      ...['--data-dir', dataDir, '--http-host', '127.0.0.1', '--http-port', String(httpPort)],
      ...['--sip-host', '127.0.0.1', '--sip-port', String(sipPort), '--announced-ip', '127.0.0.1'],
      ...['--rtp-port-min', String(rtpMin), '--rtp-port-max', String(rtpMin + 199)],
      ...flags,
    ],
    { CAMGATE_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD },
  );
  const gateway = await Gateway.start(config, createLogger(process.env.CAMGATE_TEST_LOG ?? 'silent'));
  const baseUrl = `http://127.0.0.1:${httpPort}`;
  const login = await fetch(`${baseUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
  });
  if (login.status !== 204) throw new Error(`admin login failed: ${login.status}`);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;

  return {
    gateway,
    baseUrl,
    sipPort,
    sipUri: `sip:camera@127.0.0.1:${sipPort}`,
    dataDir,
    cookie,
    async api<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { cookie, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async close() {
      await gateway.close();
      if (!existingDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
