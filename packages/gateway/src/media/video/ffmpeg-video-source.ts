import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import type { types as ms } from 'mediasoup';
import type { VideoSourceKind } from '@camgate/protocol';
import type { Logger } from '../../core/logger.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import { FFMPEG_H264_PAYLOAD_TYPE } from './video-codecs.ts';
import type { VideoSource, VideoSourceEvents, VideoSourceState } from './video-source.ts';

const LOOPBACK = '127.0.0.1';
/** ffmpeg prints its SDP once the input is open and the encoder runs; an RTSP camera that never answers ends here. */
const FIRST_OUTPUT_TIMEOUT_MS = 20_000;
/** The producer's byte count is checked this often; STALL_CHECKS checks without growth end the run. */
const STALL_CHECK_MS = 2000;
const STALL_CHECKS = 3;
/** Keeps RTP packets below the path MTU with SRTP and header extensions added towards browsers. */
export const RTP_PACKET_SIZE = 1200;
/** Constrained Baseline 3.1, what the simulated encoder makes (ffmpeg's SDP leaves it out without extradata). */
export const CONSTRAINED_BASELINE = '42e01f';

export interface FfmpegVideoSourceOptions {
  readonly kind: VideoSourceKind;
  readonly cameraId: string;
  readonly logger: Logger;
  /** ffmpeg's arguments before the RTP output: input(s) and the H.264 stream (encoded or copied). */
  readonly inputArgs: () => readonly string[];
  /**
   * The encoder keeps every NAL unit below one RTP payload: ffmpeg then sends each in its own
   * packet (h264_mode0: no STAP-A aggregation, and it fails rather than fragment).
   */
  readonly singleNalUnits?: boolean;
  /** The H.264 profile-level-id when ffmpeg's SDP does not state one. */
  readonly defaultProfileLevelId: string;
  /** Hides secrets (an RTSP password) in anything logged or shown. */
  readonly redact?: (text: string) => string;
  readonly ffmpegPath?: string;
}

/**
 * A video source that is one ffmpeg process writing H.264 RTP into a comedia PlainTransport
 * on the camera's Router. RTCP has its own port: ffmpeg sends it from another socket, and
 * with rtcp-mux its first sender report would pin the transport to that socket. The Producer is created once
 * ffmpeg has printed its SDP (payload type, profile); each run gets a new transport, since
 * a comedia transport stays bound to the first sender's port.
 */
export class FfmpegVideoSource extends TypedEmitter<VideoSourceEvents> implements VideoSource {
  readonly kind: VideoSourceKind;
  readonly singleNalUnits: boolean;
  readonly #options: FfmpegVideoSourceOptions;
  readonly #redact: (text: string) => string;
  #state: VideoSourceState = { state: 'stopped' };
  #run: FfmpegRun | undefined;

  constructor(options: FfmpegVideoSourceOptions) {
    super();
    this.kind = options.kind;
    this.singleNalUnits = options.singleNalUnits ?? false;
    this.#options = options;
    this.#redact = options.redact ?? ((text) => text);
  }

  get state(): VideoSourceState {
    return this.#state;
  }

  async start(router: ms.Router): Promise<void> {
    if (this.#run) return;
    this.#setState({ state: 'starting' });
    const run = new FfmpegRun(this.#options, this.#redact, router);
    this.#run = run;
    run.onEnd = (reason) => {
      if (this.#run !== run) return;
      this.#run = undefined;
      this.#setState({ state: 'unavailable', reason });
    };
    const producer = await run.start();
    if (this.#run === run && producer) this.#setState({ state: 'running', producer });
  }

  stop(): void {
    const run = this.#run;
    this.#run = undefined;
    run?.close();
    if (this.#state.state !== 'stopped') this.#setState({ state: 'stopped' });
  }

  close(): void {
    this.stop();
    this.removeAllListeners();
  }

  /** ffmpeg cannot be told to make an IDR from outside: the encoder's 1 s GOP, or the camera's, answers. */
  requestKeyFrame(): boolean {
    return false;
  }

  #setState(state: VideoSourceState): void {
    this.#state = state;
    const { logger, cameraId } = this.#options;
    if (state.state === 'unavailable') logger.warn({ cameraId, source: this.kind, reason: state.reason }, 'video source unavailable');
    else logger.info({ cameraId, source: this.kind, state: state.state }, 'video source state');
    this.safeEmit('state', state);
  }
}

/** One ffmpeg process with its transport and producer; ends once, with a reason. */
class FfmpegRun {
  onEnd: (reason: string) => void = () => undefined;
  readonly #ssrc = randomInt(1, 2 ** 31);
  #transport: ms.PlainTransport | undefined;
  #producer: ms.Producer | undefined;
  #child: ChildProcess | undefined;
  #stderrTail = '';
  #stallTimer: NodeJS.Timeout | undefined;
  #ended = false;

  constructor(
    private readonly options: FfmpegVideoSourceOptions,
    private readonly redact: (text: string) => string,
    private readonly router: ms.Router,
  ) {}

  /** The producer once ffmpeg streams, or undefined when the run ended first (onEnd has the reason). */
  async start(): Promise<ms.Producer | undefined> {
    try {
      const transport = await this.router.createPlainTransport({ listenIp: LOOPBACK, rtcpMux: false, comedia: true });
      this.#transport = transport;
      if (this.#ended) return this.#cleanUp();
      transport.on('routerclose', () => this.end('media worker restarted'));
      const sdp = await this.#spawn(transport.tuple.localPort, transport.rtcpTuple!.localPort);
      if (this.#ended || sdp === undefined) return undefined;
      this.#producer = await transport.produce({ kind: 'video', rtpParameters: this.#rtpParameters(sdp) });
      if (this.#ended) return this.#cleanUp();
      this.#watchForStall(this.#producer);
      return this.#producer;
    } catch (error) {
      this.end(`could not start: ${this.redact((error as Error).message)}`);
      return undefined;
    }
  }

  close(): void {
    this.#ended = true;
    this.#cleanUp();
  }

  end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#cleanUp();
    this.onEnd(reason);
  }

  #cleanUp(): undefined {
    clearInterval(this.#stallTimer);
    if (this.#child && this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
    this.#producer?.close();
    this.#transport?.close();
    return undefined;
  }

  /** Starts ffmpeg; resolves with its SDP, or undefined when it ended before printing one. */
  #spawn(rtpPort: number, rtcpPort: number): Promise<string | undefined> {
    const { ffmpegPath = 'ffmpeg', inputArgs, logger, cameraId } = this.options;
    // connect=1: a closed port (the worker died with a crashed gateway) fails ffmpeg's writes, so it never outlives us.
    const output = `rtp://${LOOPBACK}:${rtpPort}?rtcpport=${rtcpPort}&connect=1&pkt_size=${RTP_PACKET_SIZE}`;
    const packetization = this.options.singleNalUnits ? ['-rtpflags', 'h264_mode0'] : [];
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', ...inputArgs(), '-an', '-f', 'rtp', ...packetization, '-payload_type', String(FFMPEG_H264_PAYLOAD_TYPE), '-ssrc', String(this.#ssrc), output];
    return new Promise((resolve) => {
      const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      this.#child = child;
      logger.info({ cameraId, pid: child.pid, source: this.options.kind }, 'video ffmpeg started');
      let stdout = '';
      const timer = setTimeout(() => this.end(`no video within ${FIRST_OUTPUT_TIMEOUT_MS / 1000} s${this.#lastError()}`), FIRST_OUTPUT_TIMEOUT_MS);
      const settle = (sdp: string | undefined) => {
        clearTimeout(timer);
        resolve(sdp);
      };
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        if (stdout.length > 16_384) return;
        stdout += chunk;
        // ffmpeg ends the SDP it prints for an RTP output with an empty line.
        if (/m=video[\s\S]*\n\s*\n/.test(stdout)) settle(stdout);
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        this.#stderrTail = (this.#stderrTail + chunk).slice(-2000);
      });
      child.once('error', (error: NodeJS.ErrnoException) => {
        this.end(error.code === 'ENOENT' ? 'ffmpeg not found' : `ffmpeg failed: ${error.message}`);
        settle(undefined);
      });
      child.once('exit', (code, signal) => {
        logger.info({ cameraId, pid: child.pid, code, signal }, 'video ffmpeg exited');
        this.end(`ffmpeg exited (${signal ?? `code ${code}`})${this.#lastError()}`);
        settle(undefined);
      });
    });
  }

  #lastError(): string {
    const line = this.#stderrTail.trim().split('\n').pop()?.trim();
    return line ? `: ${this.redact(line).slice(0, 200)}` : '';
  }

  #rtpParameters(sdp: string): ms.RtpParameters {
    const profile = /profile-level-id=([0-9a-f]{6})/i.exec(sdp)?.[1]?.toLowerCase() ?? this.options.defaultProfileLevelId;
    return {
      codecs: [
        {
          mimeType: 'video/H264',
          payloadType: FFMPEG_H264_PAYLOAD_TYPE,
          clockRate: 90000,
          parameters: { 'packetization-mode': 1, 'profile-level-id': profile, 'level-asymmetry-allowed': 1 },
          rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
        },
      ],
      encodings: [{ ssrc: this.#ssrc }],
    };
  }

  /** A camera that stops sending without closing the RTSP session (or a frozen encoder) ends the run. */
  #watchForStall(producer: ms.Producer): void {
    let lastBytes = -1;
    let still = 0;
    this.#stallTimer = setInterval(() => {
      producer
        .getStats()
        .then((stats) => {
          const bytes = stats.reduce((sum, s) => sum + (s.byteCount ?? 0), 0);
          still = bytes === lastBytes ? still + 1 : 0;
          lastBytes = bytes;
          if (still >= STALL_CHECKS) this.end(`no video for ${(STALL_CHECKS * STALL_CHECK_MS) / 1000} s`);
        })
        .catch(() => undefined);
    }, STALL_CHECK_MS);
    this.#stallTimer.unref();
  }
}
