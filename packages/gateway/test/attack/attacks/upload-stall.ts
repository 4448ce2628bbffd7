/**
 * Issue #9, "stalls": uploading a 10 MB WAV via POST /api/messages must not stop the gateway
 * from answering: /api/health keeps answering within about a second meanwhile.
 */
import { Findings, type AttackResult } from '../support/result.ts';
import { pause } from '../support/serving.ts';
import type { GatewayTarget } from '../support/target.ts';

/** The upload limit of docs/API.md. */
const MAX_WAV_BYTES = 10 * 1024 * 1024;
export const HEALTH_LATENCY_BOUND_MS = 1000;

/** A 48 kHz stereo 16-bit WAV of noise just under `bytes` (the most work per byte to resample). */
export function bigWav(bytes = MAX_WAV_BYTES - 1024): Buffer {
  const dataBytes = (bytes - 44) & ~3;
  const wav = Buffer.alloc(44 + dataBytes);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + dataBytes, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(2, 22);
  wav.writeUInt32LE(48_000, 24);
  wav.writeUInt32LE(48_000 * 4, 28);
  wav.writeUInt16LE(4, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(dataBytes, 40);
  for (let i = 44; i < wav.length; i += 2) wav.writeInt16LE(Math.round((Math.random() - 0.5) * 20_000), i);
  return wav;
}

export async function uploadWhileHealthPolled(target: GatewayTarget, o: { uploads: number; prober: string }): Promise<AttackResult> {
  const findings = new Findings();
  const wav = bigWav();
  const latencies: number[] = [];
  let uploading = true;
  const probe = (async () => {
    while (uploading) {
      const answer = await target.http('GET', '/api/health', { source: o.prober }).catch(() => undefined);
      latencies.push(answer?.status === 200 ? answer.elapsedMs : Infinity);
      await pause(100);
    }
  })();
  const statuses: number[] = [];
  try {
    for (let i = 0; i < o.uploads; i++) {
      const answer = await target.http('POST', `/api/cameras/camera/messages?name=${encodeURIComponent(`big ${i}`)}`, { body: wav, headers: { cookie: target.adminCookie, 'content-type': 'audio/wav' } });
      statuses.push(answer.status);
    }
    await pause(500);
  } finally {
    uploading = false;
    await probe;
  }
  const worst = Math.max(...latencies);
  findings.record('MB per upload', wav.length / 1e6);
  findings.record('upload answers', [...new Set(statuses)].join(' '));
  findings.record('health probes', latencies.length);
  findings.record('worst health latency (ms)', worst);
  findings.expectThat(statuses.every((s) => s === 200 || s === 201), `a 10 MB WAV upload was answered ${statuses.join(', ')}`);
  findings.expectThat(worst <= HEALTH_LATENCY_BOUND_MS, `/api/health took ${worst.toFixed(0)} ms during a 10 MB upload (bound ${HEALTH_LATENCY_BOUND_MS} ms)`);
  return findings.result;
}
