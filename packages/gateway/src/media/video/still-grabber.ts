import { spawn } from 'node:child_process';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../../core/logger.ts';
import { bindUdp } from '../rtp-port-range.ts';

const LOOPBACK = '127.0.0.1';
/** The source's GOP (1 s simulated, a camera's own) plus ffmpeg's start: a still within this, or none. */
export const STILL_TIMEOUT_MS = 5000;
/** Key frames are asked for this often while ffmpeg waits (cameras that honour PLI answer at once). */
const KEY_FRAME_REQUEST_MS = 500;
/** A JPEG of a 1080p frame stays far below this; more means something went wrong. */
const MAX_STILL_BYTES = 5 * 1024 * 1024;

export interface StillGrabOptions {
  readonly router: ms.Router;
  readonly producer: ms.Producer;
  readonly logger: Logger;
  readonly ffmpegPath?: string;
  readonly timeoutMs?: number;
  /** Ends the grab at once (undefined), e.g. when the gateway closes. */
  readonly signal?: AbortSignal;
}

/**
 * One JPEG of the live video, for event pictures: a short-lived Consumer sends the camera's
 * RTP to a one-shot ffmpeg that decodes key frames only (`-skip_frame nokey`, so no grey
 * half-picture from a stream joined mid-GOP) and writes the first as JPEG to stdout.
 * Resolves undefined (never throws) when there is no picture in time.
 */
export async function grabStill(options: StillGrabOptions): Promise<Buffer | undefined> {
  const port = await freeUdpPortPair();
  if (!port) return undefined;
  const codec = options.producer.consumableRtpParameters.codecs[0]!;
  const encoding = codec.mimeType.split('/')[1]!;
  const sdp = [
    'v=0', `o=- 0 0 IN IP4 ${LOOPBACK}`, 's=still', `c=IN IP4 ${LOOPBACK}`, 't=0 0',
    `m=video ${port} RTP/AVP ${codec.payloadType}`, `a=rtpmap:${codec.payloadType} ${encoding}/90000`,
    ...(encoding.toUpperCase() === 'H264' ? [`a=fmtp:${codec.payloadType} packetization-mode=1`] : []),
    '',
  ].join('\n');
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'warning', '-protocol_whitelist', 'pipe,udp,rtp', '-skip_frame', 'nokey',
    // Decide the stream's parameters from its first key frame, not after seconds of probing.
    '-probesize', '32768', '-analyzeduration', '0',
    '-f', 'sdp', '-i', 'pipe:0', '-frames:v', '1', '-f', 'image2', '-c:v', 'mjpeg', '-q:v', '4', 'pipe:1',
  ];
  const transport = await options.router.createPlainTransport({ listenIp: LOOPBACK, rtcpMux: false, comedia: false });
  const timeoutMs = options.timeoutMs ?? STILL_TIMEOUT_MS;
  try {
    await transport.connect({ ip: LOOPBACK, port, rtcpPort: port + 1 });
    return await new Promise<Buffer | undefined>((resolve) => {
      const child = spawn(options.ffmpegPath ?? 'ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      let size = 0;
      let consumer: ms.Consumer | undefined;
      const keyFrames = setInterval(() => void consumer?.requestKeyFrame().catch(() => undefined), KEY_FRAME_REQUEST_MS);
      const timer = setTimeout(() => finish(undefined, `no key frame within ${timeoutMs} ms`), timeoutMs);
      let finished = false;
      const finish = (still: Buffer | undefined, problem?: string): void => {
        if (finished) return;
        finished = true;
        clearInterval(keyFrames);
        clearTimeout(timer);
        if (child.exitCode === null) child.kill('SIGKILL');
        if (problem) options.logger.warn({ problem, ffmpeg: stderr.trim().split('\n').pop() }, 'live video still not taken');
        resolve(still);
      };
      child.on('error', (error) => finish(undefined, error.message));
      if (options.signal?.aborted) finish(undefined);
      options.signal?.addEventListener('abort', () => finish(undefined), { once: true });
      child.stdout.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_STILL_BYTES) finish(undefined, 'still too large');
        else chunks.push(chunk);
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (text: string) => {
        stderr = (stderr + text).slice(-500);
      });
      child.on('exit', (code) => (code === 0 && size > 0 ? finish(Buffer.concat(chunks)) : finish(undefined, `ffmpeg exited with ${String(code)}`)));
      child.stdin.on('error', () => undefined);
      child.stdin.end(sdp);
      void transport
        .consume({ producerId: options.producer.id, rtpCapabilities: options.router.rtpCapabilities })
        .then((created) => {
          consumer = created;
        })
        .catch((error: unknown) => finish(undefined, (error as Error).message));
    });
  } finally {
    transport.close();
  }
}

/** An even port whose next one is free too (ffmpeg's RTP and RTCP), found by binding both briefly. */
async function freeUdpPortPair(): Promise<number | undefined> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const probe = await bindUdp(LOOPBACK, 0);
    if (!probe) return undefined;
    const port = probe.address().port & ~1;
    probe.close();
    const [rtp, rtcp] = await Promise.all([bindUdp(LOOPBACK, port), bindUdp(LOOPBACK, port + 1)]);
    rtp?.close();
    rtcp?.close();
    if (rtp && rtcp) return port;
  }
  return undefined;
}
