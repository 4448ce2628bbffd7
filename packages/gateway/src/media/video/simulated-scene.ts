import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../core/logger.ts';
import { CONSTRAINED_BASELINE, FfmpegVideoSource, RTP_PACKET_SIZE } from './ffmpeg-video-source.ts';

export const SCENE_WIDTH = 640;
export const SCENE_HEIGHT = 360;
export const SCENE_FPS = 15;
/**
 * The frame timestamp strip along the bottom edge: TIMESTAMP_BITS blocks of
 * TIMESTAMP_BLOCK px square, most significant bit on the left, white = 1. The value is the
 * capture time in ms since the epoch, modulo 2^40 (34 years). Blocks this size survive
 * H.264 at the scene's bit rate, so a test (or a latency probe) can read them from decoded pixels.
 */
export const TIMESTAMP_BITS = 40;
export const TIMESTAMP_BLOCK = SCENE_WIDTH / TIMESTAMP_BITS;
const BITRATE = '700k';
/**
 * x264's bound on a slice's NAL unit (bytes): below one RTP payload (the packet less its
 * 12-byte header) with room to spare, so every NAL goes in a packet of its own.
 */
const SLICE_MAX_SIZE = RTP_PACKET_SIZE - 100;

/**
 * The embedded camera's picture: ffmpeg's moving test scene with the camera's name and the
 * date and time burnt in, plus the timestamp strip, encoded once (H.264 Constrained
 * Baseline, 1 s GOP, no B-frames, x264 zerolatency) for every viewer and call. Slices are
 * cut to fit one RTP packet each, so the one stream serves packetization-mode 0 phones
 * (linphone) and mode 1 receivers alike.
 */
export class SimulatedScene extends FfmpegVideoSource {
  readonly #textDir = mkdtempSync(join(tmpdir(), 'camgate-scene-'));

  constructor(options: { cameraId: string; cameraName: string; logger: Logger; ffmpegPath?: string }) {
    super({
      ...options,
      kind: 'simulated',
      singleNalUnits: true,
      defaultProfileLevelId: CONSTRAINED_BASELINE,
      inputArgs: () => this.#args(),
    });
    // drawtext reads its texts from files: the camera's name is never parsed as filter syntax.
    writeFileSync(join(this.#textDir, 'name.txt'), options.cameraName);
    // In a textfile only drawtext's own expansion applies: `\:` keeps the colons in the format.
    writeFileSync(join(this.#textDir, 'clock.txt'), '%{localtime:%Y-%m-%d %H\\:%M\\:%S}');
  }

  override close(): void {
    super.close();
    rmSync(this.#textDir, { recursive: true, force: true });
  }

  #args(): string[] {
    const startedAt = Date.now();
    const bit = `39-floor(X/${TIMESTAMP_BLOCK})`;
    // The strip's frames get the wall clock (RTCTIME, µs) as their time before geq draws it:
    // T is then the real time since startedAt when the frame is made, not its place in the
    // stream (which would lag by ffmpeg's start-up, some 300 ms). Counted again after, so
    // the overlay pairs the two inputs frame by frame.
    const strip =
      `[1:v]setpts='(RTCTIME-${startedAt * 1000})/1000000/TB',format=gray,` +
      `geq=lum='255*mod(floor((${startedAt}+floor(T*1000))/pow(2\\,${bit}))\\,2)',setpts=N/(${SCENE_FPS}*TB)[ts]`;
    const text = (file: string, y: number, expansion: string) =>
      `drawtext=textfile=${join(this.#textDir, file)}:expansion=${expansion}:fontcolor=white:fontsize=24:box=1:boxcolor=black@0.6:boxborderw=4:x=12:y=${y}`;
    const scene = `[0:v]${text('name.txt', 36, 'none')},${text('clock.txt', 72, 'normal')}[bg]`;
    const size = `${SCENE_WIDTH}x${SCENE_HEIGHT}`;
    return [
      '-re', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${SCENE_FPS}`,
      '-re', '-f', 'lavfi', '-i', `color=c=black:size=${SCENE_WIDTH}x${TIMESTAMP_BLOCK}:rate=${SCENE_FPS}`,
      '-filter_complex', `${strip};${scene};[bg][ts]overlay=0:H-${TIMESTAMP_BLOCK}:shortest=1,format=yuv420p[v]`,
      '-map', '[v]',
      '-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'ultrafast', '-tune', 'zerolatency',
      '-g', String(SCENE_FPS), '-keyint_min', String(SCENE_FPS), '-bf', '0',
      '-b:v', BITRATE, '-maxrate', BITRATE, '-bufsize', BITRATE,
      '-x264-params', `slice-max-size=${SLICE_MAX_SIZE}`,
    ];
  }
}
