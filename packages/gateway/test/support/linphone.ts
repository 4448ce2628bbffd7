/**
 * linphonec (Debian `linphone-cli` 5.1) driven through its stdin, for calls from a real
 * Linphone to the system under test. Runs with its own temp HOME and config, audio from
 * files (no sound card), SIP over UDP on a free port, and DTMF as SIP INFO
 * (`application/dtmf-relay`) or RFC 2833 as asked.
 *
 *   const phone = await Linphonec.start({ dtmf: 'sip-info' });
 *   await phone.call('sip:camera@127.0.0.1:5060');        // resolves once "connected"
 *   await phone.sendDtmf('5');
 *   await phone.terminate();                              // resolves once "ended"
 *   await phone.close();
 *
 * Note: the config's `sip_port` is ignored by this linphonec at start-up (it reports -1
 * and cannot send); the `ports sip <n>` command sets it reliably, so `start()` issues it.
 */
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freeSipPort, freeUdpPort } from './ports.ts';
import { PeerProcess } from './process.ts';

export interface LinphonecOptions {
  /** How digits are sent: SIP INFO (default) or RFC 2833 telephone-events in RTP. */
  dtmf?: 'sip-info' | 'rfc2833';
  /**
   * Offer video (`-V`): receive only, H.264 (packetization-mode 0) from Debian's
   * mediastreamer2-plugin-openh264, and VP8; `snapshotReceived` saves a decoded frame.
   */
  video?: boolean;
}

export class Linphonec {
  #cursor = 0;
  #snapshots = 0;

  private constructor(
    readonly process: PeerProcess,
    readonly home: string,
    readonly sipPort: number,
  ) {}

  static async start(options: LinphonecOptions = {}): Promise<Linphonec> {
    const home = await mkdtemp(join(tmpdir(), 'camgate-linphone-'));
    const sipPort = await freeSipPort();
    const rtpPort = (await freeUdpPort()) & ~1;
    const sipInfo = (options.dtmf ?? 'sip-info') === 'sip-info';
    const rc = join(home, 'linphonerc');
    await writeFile(
      rc,
      [
        '[sip]',
        `sip_port=${sipPort}`,
        'sip_tcp_port=-1',
        `use_info=${sipInfo ? 1 : 0}`,
        `use_rfc2833=${sipInfo ? 0 : 1}`,
        'contact=sip:linphone@127.0.0.1',
        'guess_hostname=0',
        '[rtp]',
        // Media on loopback: else the SDP's c= is the host's default-route address (an fd00:: one here).
        'bind_address=127.0.0.1',
        `audio_rtp_port=${rtpPort}`,
        ...(options.video
          ? [`video_rtp_port=${rtpPort + 2}`, '[video]', 'display=1', 'capture=0', 'automatically_initiate=1', 'displaytype=MSExtDisplay']
          : []),
        '',
      ].join('\n'),
    );
    const process = new PeerProcess('linphonec', 'linphonec', ['-c', rc, ...(options.video ? ['-V'] : [])], { cwd: home, env: { ...globalThis.process.env, HOME: home } });
    const phone = new Linphonec(process, home, sipPort);
    try {
      phone.send(`ports sip ${sipPort}`);
      await phone.expect(/Setting sip port to \d+/);
      phone.send('soundcard use files');
      await phone.expect(/Using wav files instead of soundcard/);
      return phone;
    } catch (error) {
      await phone.close();
      throw error;
    }
  }

  /** Writes one command line to linphonec's stdin. */
  send(line: string): void {
    if (/[\r\n]/.test(line)) throw new Error('one command per line');
    this.process.child.stdin?.write(`${line}\n`);
  }

  /**
   * Waits for output matching `pattern` printed after the previous match (so repeated
   * calls see successive occurrences).
   */
  async expect(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const { match, end } = await this.process.waitForOutput(pattern, timeoutMs, this.#cursor);
    this.#cursor = end;
    return match;
  }

  /** Places a call and resolves once it is connected (200 OK + ACK). */
  async call(uri: string, timeoutMs = 15_000): Promise<void> {
    if (!/^sips?:[^\s]+$/.test(uri)) throw new Error(`not a SIP URI: ${uri}`);
    this.send(`call ${uri}`);
    await this.expect(/Call \d+ with \S+ connected\./, timeoutMs);
  }

  /** Types digits during the call; linphonec sends each as INFO or RFC 2833 per config. */
  async sendDtmf(keys: string, gapMs = 300): Promise<void> {
    if (!/^[0-9*#A-D]+$/.test(keys)) throw new Error(`not DTMF keys: ${keys}`);
    for (const key of keys) {
      this.send(key);
      await new Promise((r) => setTimeout(r, gapMs));
    }
  }

  /** Saves the next decoded frame of the call's received video as a JPEG and resolves with its path. */
  async snapshotReceived(timeoutMs = 10_000): Promise<string> {
    const path = join(this.home, `received-${++this.#snapshots}.jpg`);
    this.send(`snapshot ${path}`);
    await this.expect(/Taking video snapshot in file/);
    // mediastreamer's JPEG writer fills `<path>.part` with the next decoded frame, then renames it.
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await access(path).then(() => true, () => false)) return path;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`linphonec saved no received frame:\n${this.process.tail()}`);
  }

  /** Hangs up the current call and resolves once linphonec reports it ended. */
  async terminate(): Promise<void> {
    this.send('terminate');
    await this.expect(/Call \d+ with \S+ ended/);
  }

  /** Quits linphonec (killing it if needed) and removes its HOME. Idempotent. */
  async close(): Promise<void> {
    if (this.process.running) {
      this.send('quit');
      this.process.child.stdin?.end();
      const quit = await Promise.race([this.process.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 3000))]);
      if (!quit) await this.process.stop();
    }
    await rm(this.home, { recursive: true, force: true });
  }
}
