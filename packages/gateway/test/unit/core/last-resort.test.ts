import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(here, '../../../../..');

function run(mode: 'guarded' | 'bare'): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(here, 'handler-crash.ts'), mode], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((done) => child.on('exit', (code) => done({ code, output })));
}

describe('last-resort guard (main.ts, once started)', () => {
  it('an exception and a rejection escaping network handlers are logged with their error and dropped; the process serves on', async () => {
    const { code, output } = await run('guarded');
    expect(output).toContain('still serving');
    expect(code).toBe(0);
    const lines = output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string; err?: { message: string } });
    expect(lines.map((l) => l.err?.message).sort()).toEqual(['rejected in a handler', 'thrown in a handler']);
    expect(lines.every((l) => /dropped/.test(l.msg))).toBe(true);
  }, 30_000);

  it('without it, the first such error ends the process', async () => {
    const { code, output } = await run('bare');
    expect(code).not.toBe(0);
    expect(output).not.toContain('still serving');
  }, 30_000);
});
