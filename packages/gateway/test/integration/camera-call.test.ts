import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutputState, SettingsView } from '@camgate/protocol';
import { readWav } from '../../src/audio/wav.ts';
import { Baresip } from '../support/baresip.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';

/** RMS of a WAV file's samples, 0..1. */
async function rmsOf(path: string): Promise<number> {
  const { samples } = readWav(await readFile(path));
  let sum = 0;
  for (const s of samples) sum += (s / 32768) ** 2;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

describe('a SIP phone (baresip) calls the camera (help page: Camera Remote Control)', () => {
  let gw: TestGateway;
  let phone: Baresip | undefined;
  let recordDir: string;

  beforeEach(async () => {
    gw = await startTestGateway();
    recordDir = await mkdtemp(join(tmpdir(), 'camgate-rec-'));
  });
  afterEach(async () => {
    await phone?.close();
    phone = undefined;
    await gw.close();
    await rm(recordDir, { recursive: true, force: true });
  });

  it('answers, plays the welcome, takes the PIN and opens the door on 1 #', async () => {
    const view = await gw.api<SettingsView>('GET', '/api/settings');
    await gw.api('PUT', '/api/settings', { ...view.running, pin: '4711' });

    phone = await Baresip.start({ recordDir });
    await phone.dial(gw.sipUri);
    await phone.waitForEvent('CALL_ESTABLISHED');
    // Welcome + PIN prompt take a few seconds; the call waits for the PIN.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    await phone.sendDtmf('4711#');
    await eventually(async () => {
      const calls = await gw.api<{ calls: { phase: string }[] }>('GET', '/api/status');
      return calls.calls[0]?.phase === 'connected';
    }, 10_000, 'PIN accepted');
    await phone.sendDtmf('1#');
    const door = await eventually(async () => {
      const outputs = await gw.api<OutputState[]>('GET', '/api/outputs');
      return outputs.find((o) => o.name === 'door' && o.active);
    }, 10_000, 'door output active');
    expect(door.active).toBe(true);

    await phone.hangup();
    await phone.waitForEvent('CALL_CLOSED');
    await phone.close();
    const { received } = await phone.recordings();
    phone = undefined;
    expect(received.length).toBe(1);
    // The welcome and the spoken feedback reached the phone: clearly not silence.
    expect(await rmsOf(received[0]!)).toBeGreaterThan(0.01);

    const log = await gw.api<{ commands: string[]; outcome: string }[]>('GET', '/api/calls');
    expect(log[0]!.commands.join()).toMatch(/door/);
    expect(JSON.stringify(log)).not.toContain('4711');
  });
});
