/**
 * `npm run cluster` as a user runs it: Kamailio on 127.0.0.10:5060 in front of two nodes;
 * two calls to sip:camera@127.0.0.10 are answered, one by each node; Ctrl-C (SIGINT) stops
 * every program it started.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Baresip } from '../support/baresip.ts';
import { CALLER_A, PROXY_HOST } from '../support/cluster.ts';
import { eventually } from '../support/gateway.ts';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run cluster', () => {
  let dataDir: string | undefined;
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('starts Kamailio and two nodes whose calls come through it, and stops them all on Ctrl-C', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'camgate-cluster-script-'));
    // The nodes' "incoming call" lines tell who answered: info level, whatever `npm test` set.
    const env = { ...process.env, CAMGATE_LOG_LEVEL: 'info' };
    const script = spawn(process.execPath, ['scripts/cluster.mjs', '--nodes', '2', '--data-dir', dataDir], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    script.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    script.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => script.once('exit', (code) => resolve(code)));
    try {
      await eventually(() => output.includes('Ctrl-C stops everything') || (script.exitCode !== null && Promise.reject(new Error(output))), 60_000, 'the cluster');
      expect(output).toContain(`call:  sip:camera@${PROXY_HOST}`);
      expect(output).toMatch(/node-1: http:\/\/127\.0\.0\.11:8081\//);

      for (let call = 0; call < 2; call++) {
        const phone = await Baresip.start({ host: CALLER_A });
        try {
          await phone.dial(`sip:camera@${PROXY_HOST}`);
          await phone.waitForEvent('CALL_ESTABLISHED');
          await phone.hangup();
          await phone.waitForEvent('CALL_CLOSED');
        } finally {
          await phone.close();
        }
      }
      const answeredBy = (node: string) => output.split('\n').filter((line) => line.startsWith(`[${node}]`) && line.includes('"msg":"incoming call"')).length;
      expect([answeredBy('node-1'), answeredBy('node-2')]).toEqual([1, 1]);
    } finally {
      const kamailioPid = Number(readFileSync(join(dataDir, 'kamailio', 'kamailio.pid'), 'utf8'));
      script.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(alive(kamailioPid)).toBe(false);
    }
    expect(output).toMatch(/kamailio stopped[\s\S]*node-\d stopped[\s\S]*node-\d stopped/);
  }, 90_000);
});
