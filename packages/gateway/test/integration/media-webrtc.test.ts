import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createLogger } from '../../src/core/logger.ts';
import { MediaService } from '../../src/media/media-service.ts';
import { sineWav } from '../support/baresip.ts';
import { ToneCameraAudio } from './media-harness.ts';

const logger = createLogger();

/** What PAGE defines on its window: a peer connection with the fake microphone; offer out, answer in, then measures what it hears. */
interface PageApi {
  makeOffer(codec: 'opus' | 'PCMU'): Promise<string>;
  applyAnswer(sdp: string): Promise<void>;
  reoffer(direction: 'sendrecv' | 'sendonly'): Promise<string>;
  packetsReceived(): Promise<number>;
  heard(): Promise<{ peakHz: number; level: number; codec: string; canInsertDtmf: boolean; connection: string }>;
}

/** Calls one of the page's functions. */
function inPage<K extends keyof PageApi>(page: Page, name: K, ...args: Parameters<PageApi[K]>): Promise<Awaited<ReturnType<PageApi[K]>>> {
  return page.evaluate(
    ([fn, fnArgs]) => (globalThis as unknown as Record<string, (...a: unknown[]) => unknown>)[fn]!(...fnArgs),
    [name, args as unknown[]] as const,
  ) as Promise<Awaited<ReturnType<PageApi[K]>>>;
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>media test</title><script>
let pc;
let sender;
window.makeOffer = async (codec) => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
  pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
  const transceiver = pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendrecv', streams: [stream] });
  sender = transceiver.sender;
  // Keep telephone-event in the offer: the answer must leave it out (mediasoup drops RFC 4733).
  const codecs = RTCRtpReceiver.getCapabilities('audio').codecs;
  const wanted = codecs.filter((c) => c.mimeType.toLowerCase() === 'audio/' + codec.toLowerCase());
  const events = codecs.filter((c) => c.mimeType === 'audio/telephone-event');
  transceiver.setCodecPreferences([...wanted, ...events]);
  await pc.setLocalDescription(await pc.createOffer());
  return pc.localDescription.sdp;
};
window.applyAnswer = async (sdp) => {
  await pc.setRemoteDescription({ type: 'answer', sdp });
};
window.reoffer = async (direction) => {
  pc.getTransceivers()[0].direction = direction;
  await pc.setLocalDescription(await pc.createOffer());
  return pc.localDescription.sdp;
};
window.packetsReceived = async () => {
  const inbound = [...(await pc.getStats()).values()].find((s) => s.type === 'inbound-rtp' && s.kind === 'audio');
  return inbound?.packetsReceived ?? 0;
};
window.heard = async () => {
  const track = pc.getReceivers()[0].track;
  const stream = new MediaStream([track]);
  // Chromium only feeds remote WebRTC audio into WebAudio (and audioLevel) while an unmuted media element plays it.
  const element = new Audio();
  element.srcObject = stream;
  await element.play();
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  analyser.fftSize = 4096;
  context.createMediaStreamSource(stream).connect(analyser);
  await new Promise((r) => setTimeout(r, 1500));
  const bins = new Float32Array(analyser.frequencyBinCount);
  analyser.getFloatFrequencyData(bins);
  let peak = 0;
  for (let i = 1; i < bins.length; i++) if (bins[i] > bins[peak]) peak = i;
  const stats = [...(await pc.getStats()).values()];
  const inbound = stats.find((s) => s.type === 'inbound-rtp' && s.kind === 'audio');
  const codec = stats.find((s) => s.type === 'codec' && s.id === inbound?.codecId);
  return {
    peakHz: (peak * context.sampleRate) / analyser.fftSize,
    level: inbound?.audioLevel ?? 0,
    codec: codec?.mimeType ?? '',
    canInsertDtmf: sender.dtmf?.canInsertDTMF ?? false,
    connection: pc.connectionState,
  };
};
</script>`;

describe('browser leg with Chromium (ICE-lite + DTLS-SRTP WebRtcTransport, JSEP answer)', () => {
  let media: MediaService;
  let browser: Browser;
  let server: Server;
  let dir: string;
  let origin: string;
  let calls = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'camgate-webrtc-'));
    const wav = join(dir, 'mic.wav');
    await writeFile(wav, sineWav(440, 30, 48000));
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-audio-capture=${wav}`,
        '--autoplay-policy=no-user-gesture-required',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-sandbox',
      ],
    });
    media = new MediaService({
      logger,
      webrtc: { listenIp: '127.0.0.1' },
      rtp: { listenIp: '127.0.0.1', announcedIp: '127.0.0.1', portMin: 33000, portMax: 33999 },
    });
    await media.start();
  }, 60_000);

  afterAll(async () => {
    await media?.close();
    await browser?.close();
    server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function callFromBrowser(codec: 'opus' | 'PCMU'): Promise<{ page: Page; camera: ToneCameraAudio; answer: string; callId: string }> {
    const page = await browser.newPage();
    await page.goto(origin);
    const offerSdp = await inPage(page, 'makeOffer', codec);
    const camera = new ToneCameraAudio(1000);
    const callId = `browser-${codec}-${++calls}`;
    const session = await media.answer({ callId, kind: 'webrtc', offerSdp, audio: camera });
    expect(session.codec).toBe(codec);
    await inPage(page, 'applyAnswer', session.answerSdp);
    return { page, camera, answer: session.answerSdp, callId };
  }

  for (const codec of ['opus', 'PCMU'] as const) {
    it(`carries the browser's 440 Hz to the camera and the camera's 1 kHz to the page (${codec})`, async () => {
      const { page, camera, answer, callId } = await callFromBrowser(codec);
      expect(answer).toMatch(/^a=ice-lite\r$/m);
      expect(answer).toMatch(/^a=setup:passive\r$/m);
      expect(answer).not.toMatch(/telephone-event/);
      await camera.waitForTone(440, { timeoutMs: 15_000 });
      const heard = await inPage(page, 'heard');
      expect(heard.connection).toBe('connected');
      expect(heard.codec.toLowerCase()).toBe(`audio/${codec.toLowerCase()}`);
      expect(heard.level).toBeGreaterThan(0.05);
      expect(Math.abs(heard.peakHz - 1000)).toBeLessThan(30);
      // RFC 4733 from the browser would be dropped inside mediasoup: the page must know it cannot send it.
      expect(heard.canInsertDtmf).toBe(false);
      media.session(callId)!.close();
      await page.close();
    }, 45_000);
  }

  it('answers re-offers consistently (hold with sendonly, resume): same ICE, DTLS role and SSRC, newer o= version', async () => {
    const { page, camera, answer, callId } = await callFromBrowser('opus');
    const session = media.session(callId)!;
    await camera.waitForTone(440, { timeoutMs: 15_000 });
    const stable = (sdp: string) => ['ice-ufrag', 'ice-pwd', 'fingerprint', 'setup', 'ssrc'].map((a) => sdp.match(new RegExp(`^a=${a}:.*$`, 'm'))?.[0]);
    const version = (sdp: string) => Number(/^o=\S+ \S+ (\d+)/m.exec(sdp)![1]);

    // JsSIP's hold(): a re-offer with a=sendonly; the camera stops sending (answer recvonly).
    const held = await session.update(await inPage(page, 'reoffer', 'sendonly'));
    await inPage(page, 'applyAnswer', held);
    expect(held).toMatch(/^a=recvonly\r$/m);
    expect(stable(held).slice(0, 4)).toEqual(stable(answer).slice(0, 4));
    expect(version(held)).toBe(version(answer) + 1);
    await new Promise((r) => setTimeout(r, 300));
    const onHold = await inPage(page, 'packetsReceived');
    await new Promise((r) => setTimeout(r, 600));
    expect(await inPage(page, 'packetsReceived')).toBe(onHold);

    const resumed = await session.update(await inPage(page, 'reoffer', 'sendrecv'));
    await inPage(page, 'applyAnswer', resumed);
    expect(resumed).toMatch(/^a=sendrecv\r$/m);
    expect(stable(resumed)).toEqual(stable(answer));
    expect(version(resumed)).toBe(version(held) + 1);
    const again = await session.update(await inPage(page, 'reoffer', 'sendrecv'));
    expect(version(again)).toBe(version(resumed)); // RFC 3264 §8: unchanged answer, unchanged version
    await inPage(page, 'applyAnswer', again);
    await expect.poll(() => inPage(page, 'packetsReceived'), { timeout: 5000 }).toBeGreaterThan(onHold + 20);
    session.close();
    await page.close();
  }, 45_000);
});
