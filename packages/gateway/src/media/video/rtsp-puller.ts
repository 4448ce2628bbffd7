import type { Logger } from '../../core/logger.ts';
import { CONSTRAINED_BASELINE, FfmpegVideoSource } from './ffmpeg-video-source.ts';

/** RTSP socket timeout: a camera that stops answering ends the run (ffmpeg counts in µs). */
const RTSP_TIMEOUT_US = 5_000_000;

/**
 * A real camera's video: ffmpeg pulls its RTSP stream over TCP (interleaved, through NAT
 * and firewalls) and forwards the H.264 as it is, never re-encoded. dump_extra puts the
 * SDP's SPS/PPS in front of every key frame, so a viewer joining mid-stream can decode.
 */
export function createRtspPuller(options: { cameraId: string; url: string; logger: Logger; ffmpegPath?: string }): FfmpegVideoSource {
  const { url } = options;
  return new FfmpegVideoSource({
    ...options,
    kind: 'rtsp',
    defaultProfileLevelId: CONSTRAINED_BASELINE,
    redact: (text) => redactUrlCredentials(text, url),
    inputArgs: () => [
      '-rtsp_transport', 'tcp', '-timeout', String(RTSP_TIMEOUT_US),
      '-i', url,
      '-map', '0:v:0', '-c:v', 'copy', '-bsf:v', 'dump_extra=freq=keyframe',
    ],
  });
}

/** The RTSP URL with its user and password replaced, for logs and status. */
export function redactUrlCredentials(text: string, url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || (!parsed.username && !parsed.password)) return text;
  let out = text;
  for (const secret of [parsed.password, parsed.username, decodeURIComponent(parsed.password), decodeURIComponent(parsed.username)]) {
    if (secret) out = out.split(secret).join('***');
  }
  return out;
}
