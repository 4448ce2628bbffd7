/**
 * A second gateway, started by a test for a configuration the shared one must not have
 * (e.g. an announced address nothing answers at). Own data directory, own ports, loopback
 * only; stopped with SIGTERM (the gateway ends its calls and workers itself).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ADMIN_PASSWORD, SCRATCH_DIR, SECOND_HTTP_PORT, SECOND_SIP_PORT } from './environment.ts';

const repositoryRoot = path.resolve(import.meta.dirname, '../..');
const START_TIMEOUT_MS = 60_000;

export interface SecondGateway {
  url: string;
  stop(): Promise<void>;
}

/** Starts `node scripts/start.mjs` with `env` on top of the e2e defaults; resolves once it answers. */
export async function startSecondGateway(env: Record<string, string>): Promise<SecondGateway> {
  const dataDir = fs.mkdtempSync(path.join(SCRATCH_DIR, 'second-'));
  const url = `http://127.0.0.1:${SECOND_HTTP_PORT}`;
  const child: ChildProcess = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: repositoryRoot,
    env: {
      ...process.env,
      CAMGATE_HTTP_HOST: '127.0.0.1',
      CAMGATE_HTTP_PORT: String(SECOND_HTTP_PORT),
      CAMGATE_SIP_HOST: '127.0.0.1',
      CAMGATE_SIP_PORT: String(SECOND_SIP_PORT),
      // Away from the shared gateway's RTP (20000-20999) and WebRTC (40000-49999) ports.
      CAMGATE_RTP_PORT_MIN: '21000',
      CAMGATE_RTP_PORT_MAX: '21099',
      CAMGATE_WEBRTC_PORT_MIN: '39000',
      CAMGATE_WEBRTC_PORT_MAX: '39099',
      CAMGATE_DATA_DIR: dataDir,
      CAMGATE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      CAMGATE_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the second gateway exited with ${child.exitCode}: ${stderr}`);
    const healthy = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
    if (healthy) return { url, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the second gateway did not answer within ${START_TIMEOUT_MS / 1000} s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
