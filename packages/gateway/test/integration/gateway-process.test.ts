import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallLogEntry, CameraStatus, SettingsView } from '@camgate/protocol';
import { createLogger } from '../../src/core/logger.ts';
import { Store } from '../../src/store/store.ts';
import { freeSipPort, freeTcpPort } from '../support/ports.ts';
import { eventually } from '../support/gateway.ts';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const PASSWORD = 'process-test-password';

interface Running {
  child: ChildProcess;
  output: () => string;
  baseUrl: string;
  /** The admin session cookie this start signed in with. */
  cookie: string;
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
}

const running: ChildProcess[] = [];

/** `npm start`'s gateway process (main.ts through tsx), as a user runs it. */
async function startProcess(dataDir: string, extraArgs: string[] = []): Promise<Running> {
  const httpPort = await freeTcpPort();
  const sipPort = await freeSipPort();
  let output = '';
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'packages/gateway/src/main.ts', '--data-dir', dataDir, '--http-host', '127.0.0.1', '--http-port', String(httpPort),
      '--sip-host', '127.0.0.1', '--sip-port', String(sipPort), '--announced-ip', '127.0.0.1', '--log-level', 'info', ...extraArgs],
    { cwd: ROOT, env: { ...process.env, CAMGATE_ADMIN_PASSWORD: PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.push(child);
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await eventually(() => output.includes('camgate is running') || (child.exitCode !== null && Promise.reject(new Error(output))), 30_000, 'gateway start');
  const baseUrl = `http://127.0.0.1:${httpPort}`;
  const login = await fetch(`${baseUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  return {
    child,
    output: () => output,
    baseUrl,
    cookie,
    async api<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { cookie, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
  };
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('the gateway process', () => {
  let dataDir: string | undefined;
  afterEach(async () => {
    for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('stops at start-up with a message naming a bad flag', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/gateway/src/main.ts', '--http-port', 'eighty'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    expect(await exited(child)).toBe(2);
    expect(stderr).toMatch(/--http-port \(CAMGATE_HTTP_PORT\)/);
  });

  it('help page "Storing the Configuration": Set is lost on restart, stored settings survive kill -9', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'camgate-proc-'));
    let gw = await startProcess(dataDir);
    const view = await gw.api<SettingsView>('GET', '/api/cameras/camera/settings');
    await gw.api('PUT', '/api/cameras/camera/settings', { ...view.running, hangupAfterSeconds: 300 });
    gw.child.kill('SIGKILL');
    await exited(gw.child);

    gw = await startProcess(dataDir);
    expect((await gw.api<SettingsView>('GET', '/api/cameras/camera/settings')).running.hangupAfterSeconds).toBe(view.stored.hangupAfterSeconds);
    await gw.api('PUT', '/api/cameras/camera/settings', { ...view.running, hangupAfterSeconds: 240 });
    await gw.api('POST', '/api/cameras/camera/settings/store');

    // A call in progress when the process is killed (written as the camera would, through a second connection).
    const store = await Store.open(dataDir, createLogger('silent'));
    await (await store.camera('camera')).callLog.start('cut-by-kill', '+4930123456', Date.now());
    await store.close();
    const oldSession = gw.cookie;
    gw.child.kill('SIGKILL');
    await exited(gw.child);

    gw = await startProcess(dataDir);
    const after = await gw.api<SettingsView>('GET', '/api/cameras/camera/settings');
    expect(after.running.hangupAfterSeconds).toBe(240);
    expect(after.dirty).toBe(false);
    // The admin session of the killed process still works, and its open call is closed, not in progress forever.
    expect((await fetch(`${gw.baseUrl}/api/session`, { headers: { cookie: oldSession } })).status).toBe(200);
    expect((await gw.api<CallLogEntry[]>('GET', '/api/cameras/camera/calls')).find((c) => c.callId === 'cut-by-kill')).toMatchObject({ outcome: 'gateway-restarted' });

    // Ctrl-C: a clean shutdown.
    gw.child.kill('SIGINT');
    expect(await exited(gw.child)).toBe(0);
    expect(gw.output()).toMatch(/shutting down/);
  }, 120_000);

  it('logs mediasoup 3.12.16 and its worker pids (one per core), and replaces a killed worker', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'camgate-proc-'));
    const gw = await startProcess(dataDir);
    const before = await gw.api<CameraStatus>('GET', '/api/cameras/camera/status');
    expect(before.media.mediasoupVersion).toBe('3.12.16');
    expect(before.media.workerPids).toHaveLength(availableParallelism());
    const [pid] = before.media.workerPids;
    expect(gw.output()).toContain(`worker pid ${pid}`);
    process.kill(pid!, 'SIGKILL');
    const replaced = await eventually(async () => {
      const status = await gw.api<CameraStatus>('GET', '/api/cameras/camera/status');
      const pids = status.media.workerPids;
      return pids.length === before.media.workerPids.length && !pids.includes(pid!) && pids;
    }, 20_000, 'a new worker');
    expect(replaced).not.toContain(pid);
    expect(gw.output()).toMatch(/worker died/);
  }, 60_000);
});
