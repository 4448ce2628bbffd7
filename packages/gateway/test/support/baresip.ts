/**
 * A headless baresip (Debian `baresip-core` 1.0.0) driven by a test.
 *
 *   const phone = await Baresip.start({ micWav: 'hello.wav', recordDir: dir });
 *   await phone.dial('sip:camera@127.0.0.1:5060;transport=tcp');
 *   await phone.waitForEvent('CALL_ESTABLISHED');
 *   await phone.sendDtmf('12#');            // RFC 4733 telephone-events in the RTP stream
 *   await phone.hangup();
 *   await phone.waitForEvent('CALL_CLOSED');
 *   await phone.close();                     // always, e.g. in afterEach
 *
 * Each instance gets its own temp config dir: modules g711 (PCMU/PCMA), the mic
 * (`aufile` playing a WAV), optional `sndfile` recording of both
 * directions, `ctrl_tcp` (netstring JSON commands and events) and `cons` (the key console:
 * baresip 1.0's ctrl_tcp has no DTMF command, digits are menu keys typed into a call).
 * Events are ctrl_tcp's: CALL_INCOMING, CALL_RINGING, CALL_PROGRESS, CALL_ESTABLISHED,
 * CALL_CLOSED (`param` carries the reason, e.g. "Connection reset by peer"),
 * REGISTER_OK, REGISTER_FAIL.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { freeSipPort, freeTcpPort } from './ports.ts';
import { PeerProcess } from './process.ts';

export interface BaresipOptions {
  /** WAV (mono s16) played as the microphone; default a 440 Hz sine (baresip's `ausine` only does 48 kHz stereo). */
  micWav?: string;
  /** Record both directions here (sndfile: `dump-*-enc.wav` sent, `dump-*-dec.wav` received). */
  recordDir?: string;
  /** Account AoR, default `sip:baresip@127.0.0.1`. */
  aor?: string;
  /** Extra account parameters, e.g. `;auth_pass=secret;answermode=auto;regint=0`. */
  accountParams?: string;
  /** Print SIP messages to the output (`-s`), handy when a test fails. */
  sipTrace?: boolean;
  /** Loopback address for SIP and RTP (default 127.0.0.1); 127.0.0.x makes it another source. */
  host?: string;
  /**
   * A video phone (Debian `baresip-ffmpeg`): H.264 via avcodec, a fake camera and display,
   * and `snapshot` to save a received frame (`snapshotReceived`).
   */
  video?: boolean;
}

export interface BaresipEvent {
  type: string;
  class?: string;
  accountaor?: string;
  direction?: string;
  peeruri?: string;
  id?: string;
  param?: string;
}

interface Pending {
  resolve: (data: string) => void;
  reject: (error: Error) => void;
}

export class Baresip {
  readonly events: BaresipEvent[] = [];
  readonly #consumed = new Set<BaresipEvent>();
  readonly #waiters = new Set<() => void>();
  readonly #pending = new Map<string, Pending>();
  #nextToken = 1;
  #buffer = Buffer.alloc(0);
  #closed = false;

  private constructor(
    readonly process: PeerProcess,
    readonly configDir: string,
    readonly sipPort: number,
    readonly recordDir: string | undefined,
    readonly ctrl: Socket,
    readonly consPort: number,
  ) {
    ctrl.on('data', (chunk: Buffer) => this.#onData(chunk));
    ctrl.on('error', () => undefined); // baresip going away is seen through the process
  }

  static async start(options: BaresipOptions = {}): Promise<Baresip> {
    // baresip also binds ports it was not told (SIP/TLS on the SIP port + 1): when another
    // process got one of them first, it exits at once; new ports then do the job.
    for (let attempt = 1; ; attempt++) {
      try {
        return await Baresip.#startOnce(options);
      } catch (error) {
        if (attempt >= 3 || !/Address already in use/.test((error as Error).message)) throw error;
      }
    }
  }

  static async #startOnce(options: BaresipOptions): Promise<Baresip> {
    const configDir = await mkdtemp(join(tmpdir(), 'camgate-baresip-'));
    const host = options.host ?? '127.0.0.1';
    const sipPort = await freeSipPort();
    const ctrlPort = await freeTcpPort();
    const consPort = await freeSipPort();
    const micWav = options.micWav ?? join(configDir, 'tone.wav');
    if (!options.micWav) await writeFile(micWav, sineWav(440, 60));
    const source = `aufile,${micWav}`;
    const modules = ['g711.so', 'aufile.so', 'cons.so', 'ctrl_tcp.so'];
    if (options.recordDir) modules.push('sndfile.so');
    if (options.video) modules.push('avcodec.so', 'fakevideo.so', 'snapshot.so');
    const config = [
      'poll_method epoll',
      `sip_listen ${host}:${sipPort}`,
      `audio_source ${source}`,
      `audio_alert ${source}`,
      'module_path /usr/lib/baresip/modules',
      ...modules.map((m) => `module ${m}`),
      'module_app account.so',
      'module_app menu.so',
      `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
      `cons_listen 127.0.0.1:${consPort}`,
      ...(options.recordDir ? [`snd_path ${options.recordDir}`] : []),
      ...(options.video ? ['video_source fakevideo,nil', 'video_display fakevideo,nil', 'video_size 352x288', 'video_fps 15'] : []),
      'rtp_timeout 0',
      '',
    ].join('\n');
    await writeFile(join(configDir, 'config'), config);
    await writeFile(join(configDir, 'accounts'), `<${options.aor ?? `sip:baresip@${host}`}>${options.accountParams ?? ';regint=0'}\n`);
    // `-n <host>`: put that address in the SDP, not eth0's.
    const args = ['-f', configDir, '-n', host, ...(options.sipTrace ? ['-s'] : [])];
    const process = new PeerProcess('baresip', 'baresip', args, { cwd: configDir });
    try {
      await process.waitForOutput(/baresip is ready/, 15_000);
      const ctrl = connect({ host: '127.0.0.1', port: ctrlPort });
      await new Promise<void>((resolve, reject) => ctrl.once('connect', resolve).once('error', reject));
      return new Baresip(process, configDir, sipPort, options.recordDir, ctrl, consPort);
    } catch (error) {
      await process.stop();
      await rm(configDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Runs a ctrl_tcp command (a long menu command without the slash) and returns its text. */
  command(command: string, params = ''): Promise<string> {
    const token = String(this.#nextToken++);
    const json = Buffer.from(JSON.stringify({ command, params, token }));
    this.ctrl.write(Buffer.concat([Buffer.from(`${json.length}:`), json, Buffer.from(',')]));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(token);
        reject(new Error(`baresip: no answer to ${command} ${params}:\n${this.process.tail()}`));
      }, 10_000);
      this.#pending.set(token, {
        resolve: (data) => {
          clearTimeout(timer);
          resolve(data);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  async dial(uri: string): Promise<void> {
    await this.command('dial', uri);
  }

  async hangup(): Promise<void> {
    await this.command('hangup');
  }

  /** Sends keys as RFC 4733 DTMF in the current call (typed into baresip's key console). */
  async sendDtmf(keys: string, gapMs = 250): Promise<void> {
    if (!/^[0-9*#A-D]+$/.test(keys)) throw new Error(`not DTMF keys: ${keys}`);
    for (const key of keys) {
      await new Promise<void>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: this.consPort }, () => socket.end(key, () => resolve()));
        socket.once('error', reject);
      });
      await new Promise((r) => setTimeout(r, gapMs));
    }
  }

  /**
   * Resolves with the first not yet awaited event of `type` (including ones that already
   * happened, so there is no race with the command that triggers it).
   */
  waitForEvent(type: string, timeoutMs = 15_000): Promise<BaresipEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const event = this.events.find((e) => e.type === type && !this.#consumed.has(e));
        if (event) {
          this.#consumed.add(event);
          done();
          resolve(event);
        } else if (!this.process.running) {
          done();
          reject(new Error(`baresip exited while waiting for ${type}:\n${this.process.tail()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        const seen = this.events.map((e) => e.type).join(', ');
        reject(new Error(`baresip: no ${type} within ${timeoutMs} ms (events: ${seen}):\n${this.process.tail()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      void this.process.exited.then(check);
      check();
    });
  }

  /**
   * Saves the next received video frame as PNG (baresip's snapshot module, in its config
   * dir) and resolves with the file's path.
   */
  async snapshotReceived(timeoutMs = 10_000): Promise<string> {
    // baresip 1.0 writes the PNG to exactly the path given.
    const path = join(this.configDir, `received-${this.#nextToken}.png`);
    await this.command('snapshot_recv', path);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await readdir(this.configDir)).includes(basename(path))) return path;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`baresip saved no received frame:\n${this.process.tail()}`);
  }

  /** WAV files sndfile wrote (empty without `recordDir`). */
  async recordings(): Promise<{ sent: string[]; received: string[] }> {
    if (!this.recordDir) return { sent: [], received: [] };
    const files = (await readdir(this.recordDir)).filter((f) => f.startsWith('dump-'));
    return {
      sent: files.filter((f) => f.endsWith('-enc.wav')).map((f) => join(this.recordDir!, f)),
      received: files.filter((f) => f.endsWith('-dec.wav')).map((f) => join(this.recordDir!, f)),
    };
  }

  /** Quits baresip (killing it if it hangs) and removes its config dir. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.process.running) {
      this.command('quit').catch(() => undefined);
      const quit = await Promise.race([this.process.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 2000))]);
      if (!quit) await this.process.stop();
    }
    this.ctrl.destroy();
    for (const p of this.#pending.values()) p.reject(new Error('baresip closed'));
    this.#pending.clear();
    await rm(this.configDir, { recursive: true, force: true });
  }

  /** ctrl_tcp speaks netstrings: `<length>:<json>,`. */
  #onData(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const colon = this.#buffer.indexOf(':');
      if (colon < 0) return;
      const length = Number(this.#buffer.subarray(0, colon).toString());
      if (this.#buffer.length < colon + 1 + length + 1) return;
      const json = this.#buffer.subarray(colon + 1, colon + 1 + length).toString('utf8');
      this.#buffer = this.#buffer.subarray(colon + 1 + length + 1);
      this.#onMessage(JSON.parse(json) as Record<string, unknown>);
    }
  }

  #onMessage(message: Record<string, unknown>): void {
    if (message.event) {
      this.events.push(message as unknown as BaresipEvent);
      for (const check of [...this.#waiters]) check();
    } else if (message.response && typeof message.token === 'string') {
      const pending = this.#pending.get(message.token);
      this.#pending.delete(message.token);
      if (!pending) return;
      if (message.ok) pending.resolve(String(message.data ?? ''));
      else pending.reject(new Error(`baresip command failed: ${String(message.data)}`));
    }
  }
}

/** A mono 16-bit 8 kHz WAV with a sine of `hz` lasting `seconds`, at half scale. */
export function sineWav(hz: number, seconds: number, sampleRate = 8000): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(sampleRate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) wav.writeInt16LE(Math.round(16_000 * Math.sin((2 * Math.PI * hz * i) / sampleRate)), 44 + i * 2);
  return wav;
}
