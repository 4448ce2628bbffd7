import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { DtmfKey } from '../../src/audio/dtmf/keys.ts';
import { readWav } from '../../src/audio/wav.ts';
import { createLogger } from '../../src/core/logger.ts';
import { MediaService } from '../../src/media/media-service.ts';
import type { MediaSession } from '../../src/media/media-session.ts';
import { Baresip } from '../support/baresip.ts';
import { eventually } from '../support/gateway.ts';
import { freeUdpPort } from '../support/ports.ts';
import { runSipp } from '../support/sipp.ts';
import { toneShare } from '../support/tone.ts';
import { MiniUas, ToneCameraAudio } from './media-harness.ts';

const logger = createLogger();

/** sipp's RFC 4733 captures (Debian sip-tester), one key each, in the order they are played. */
const DTMF_PCAPS: readonly [DtmfKey, string][] = [
  ...(['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'] as const).map((k): [DtmfKey, string] => [k, `dtmf_2833_${k}`]),
  ['*', 'dtmf_2833_star'],
  ['#', 'dtmf_2833_pound'],
];

/** A sipp UAC that offers PCMU + telephone-event/101, then plays the key captures at the answer's RTP port. */
function dtmfScenario(): string {
  const headers = (method: string, cseq: number) => `
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: "sipp" <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>${method === 'INVITE' ? '' : '[peer_tag_param]'}
      Call-ID: [call_id]
      CSeq: ${cseq} ${method}
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70`;
  const plays = DTMF_PCAPS.map(([, file]) => `
  <nop><action><exec play_pcap_audio="/usr/share/sip-tester/${file}.pcap"/></action></nop>
  <pause milliseconds="300"/>`).join('');
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="camgate rfc4733 pcaps">
  <send retrans="500"><![CDATA[

      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0${headers('INVITE', 1)}
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 1 1 IN IP4 [local_ip]
      s=-
      c=IN IP4 [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15

  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[

      ACK [next_url] SIP/2.0${headers('ACK', 1)}
      Content-Length: 0

  ]]></send>${plays}
  <send retrans="500"><![CDATA[

      BYE [next_url] SIP/2.0${headers('BYE', 2)}
      Content-Length: 0

  ]]></send>
  <recv response="200"/>
</scenario>
`;
}

describe('SIP phone leg with baresip (RFC 3264 answer, RTP edge, RTP straight to the engine)', () => {
  let media: MediaService;
  let uas: MiniUas;
  let phone: Baresip | undefined;
  let recordDir: string;
  const sessions: MediaSession[] = [];
  const audio = new Map<string, ToneCameraAudio>();
  const keys: DtmfKey[] = [];

  beforeEach(async () => {
    recordDir = await mkdtemp(join(tmpdir(), 'camgate-media-'));
    media = new MediaService({
      logger,
      webrtc: { listenIp: '127.0.0.1' },
      rtp: { listenIp: '127.0.0.1', announcedIp: '127.0.0.1', portMin: 31000, portMax: 31999 },
    });
    await media.start();
    uas = await MiniUas.start(async ({ callId, offerSdp }, reinvite) => {
      if (reinvite) return media.session(callId)!.update(offerSdp);
      const camera = new ToneCameraAudio(1000);
      audio.set(callId, camera);
      const session = await media.answer({ callId, kind: 'sip', offerSdp, audio: camera });
      session.on('dtmf', (key) => keys.push(key));
      sessions.push(session);
      return session.answerSdp;
    }, (callId) => media.session(callId)?.close());
  });

  afterEach(async () => {
    await phone?.close();
    phone = undefined;
    uas.close();
    await media.close();
    sessions.length = 0;
    audio.clear();
    keys.length = 0;
    await rm(recordDir, { recursive: true, force: true });
  });

  it('carries the phone\'s 440 Hz to the camera, the camera\'s 1 kHz to the phone, and RFC 4733 keys once each', async () => {
    phone = await Baresip.start({ recordDir });
    await phone.dial(`sip:camera@127.0.0.1:${uas.port}`);
    await phone.waitForEvent('CALL_ESTABLISHED');
    const session = sessions[0]!;
    expect(session.codec).toBe('PCMU');
    const camera = audio.get(session.callId)!;
    await camera.waitForTone(440);

    await phone.sendDtmf('159#', 300);
    await eventually(() => keys.length >= 4, 10_000, 'four DTMF keys');
    await new Promise((r) => setTimeout(r, 500)); // late end-packet retransmissions must not repeat a key
    expect(keys).toEqual(['1', '5', '9', '#']);

    await phone.hangup();
    await phone.waitForEvent('CALL_CLOSED');
    await eventually(() => session.state === 'closed', 10_000, 'session closed by BYE');
    const { received } = await phone.recordings();
    const { samples } = readWav(await readFile(received[0]!));
    // The middle second of what the phone heard.
    const middle = samples.subarray(Math.floor(samples.length / 2) - 4000, Math.floor(samples.length / 2) + 4000);
    expect(toneShare(middle, 1000)).toBeGreaterThan(0.8);
  }, 60_000);

  it('reads each RFC 4733 key of sipp\'s captures exactly once (start, updates and three end packets)', async () => {
    const scenario = join(recordDir, 'dtmf.xml');
    await writeFile(scenario, dtmfScenario());
    const mediaPort = await freeUdpPort();
    const run = await runSipp({
      scenario,
      target: `127.0.0.1:${uas.port}`,
      calls: 1,
      timeoutMs: 30_000,
      extraArgs: ['-mi', '127.0.0.1', '-mp', String(mediaPort)],
    });
    expect(run.failed, run.errors || run.output).toBe(0);
    expect(keys).toEqual(DTMF_PCAPS.map(([key]) => key));
    expect(sessions[0]!.state).toBe('closed');
  }, 60_000);
});
