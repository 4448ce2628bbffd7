import { createSocket } from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { g711Decode, g711Encode } from '../../src/audio/codecs/g711.ts';
import { concatSamples } from '../../src/audio/synth.ts';
import { createLogger } from '../../src/core/logger.ts';
import { MediaService } from '../../src/media/media-service.ts';
import type { MediaSession, MediaSessionCloseReason } from '../../src/media/media-session.ts';
import { SdpNegotiationError } from '../../src/media/sdp/sdp-negotiation-error.ts';
import { eventually } from '../support/gateway.ts';
import { toneShare } from '../support/tone.ts';
import { buildRtpPacket } from '../../src/media/rtp-packet.ts';
import { RtpTestPhone, ToneCameraAudio, ToneGenerator } from './media-harness.ts';

const logger = createLogger();
const pcmu = (frame: Int16Array) => g711Encode('mulaw', frame);
const pcma = (frame: Int16Array) => g711Encode('alaw', frame);
const TIMEOUT_MS = 1500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An RTCP receiver report (RFC 3550 §6.4.2) with no report blocks. */
function rtcpReceiverReport(ssrc: number): Buffer {
  const packet = Buffer.alloc(8);
  packet[0] = 0x80;
  packet[1] = 201;
  packet.writeUInt16BE(1, 2);
  packet.writeUInt32BE(ssrc, 4);
  return packet;
}

describe('RTP edge of a SIP call (symmetric RTP, SSRC changes, RTCP, RTP timeout, hold, re-INVITE)', () => {
  let media: MediaService;
  let phone: RtpTestPhone;
  let camera: ToneCameraAudio;
  let session: MediaSession;
  let callCounter = 0;

  async function call(offerSdp: string): Promise<MediaSession> {
    camera = new ToneCameraAudio(1000);
    session = await media.answer({ callId: `edge-${++callCounter}`, kind: 'sip', offerSdp, audio: camera });
    return session;
  }

  beforeEach(async () => {
    media = new MediaService({
      logger,
      webrtc: { listenIp: '127.0.0.1' },
      rtp: { listenIp: '127.0.0.1', announcedIp: '127.0.0.1', portMin: 32000, portMax: 32999, timeoutMs: TIMEOUT_MS },
    });
    await media.start();
    phone = await RtpTestPhone.open(pcmu, 440);
  });

  afterEach(async () => {
    phone.close();
    await media.close();
  });

  it('answers symmetric RTP to where the phone sends from, and follows it to a new port (NAT rebinding)', async () => {
    // The SDP names a port nobody listens on: audio must reach the phone at its real source.
    await call(phone.offer().replace(/^m=audio \d+/m, 'm=audio 9'));
    phone.start(session.answerSdp);
    await camera.waitForTone(440);
    await eventually(() => phone.received.length > 10, 10_000, 'audio at the phone\'s source port');
    const firstPort = phone.port;

    await phone.rebind();
    phone.setTone(660);
    await camera.waitForTone(660);
    await eventually(() => phone.received.some((p) => p.from !== firstPort), 10_000, 'audio at the new port');
  });

  it('sends nothing before the ACK or RTP from the phone, then audio to the SDP\'s address once the ACK confirmed it', async () => {
    await call(phone.offer());
    await sleep(600);
    expect(phone.received).toHaveLength(0);
    session.confirmPeer();
    await eventually(() => phone.received.length > 10, 10_000, 'audio after the ACK');
  });

  it('pauses audio to a phone silent for the RTP timeout (recvonly: no hang-up), and resumes on its RTCP', async () => {
    await call(phone.offer({ direction: 'recvonly' }));
    session.confirmPeer();
    await eventually(() => phone.received.length > 10, 10_000, 'audio after the ACK');
    await sleep(TIMEOUT_MS + 300);
    const paused = phone.received.length;
    await sleep(500);
    expect(phone.received.length).toBe(paused);
    expect(session.state).toBe('open');
    phone.start(session.answerSdp); // only to know where to send: it never sends RTP
    phone.stop();
    phone.sendRaw(rtcpReceiverReport(phone.ssrc));
    await eventually(() => phone.received.length > paused + 10, 10_000, 'audio after a sign of life');
  });

  it('never learns a source on an unsignalled IP, even one that comes first and in sequence', async () => {
    const stranger = createSocket('udp4');
    await new Promise<void>((resolve) => stranger.bind(0, '127.0.0.2', resolve));
    let atStranger = 0;
    stranger.on('message', () => atStranger++);
    try {
      await call(phone.offer());
      const port = Number(/^m=audio (\d+)/m.exec(session.answerSdp)![1]);
      const tone = new ToneGenerator(880);
      for (let i = 0; i < 40; i++) {
        stranger.send(buildRtpPacket({ marker: false, payloadType: 0, sequenceNumber: i, timestamp: i * 160, ssrc: 0xbad }, pcmu(tone.frame())), port, '127.0.0.1');
        await sleep(20);
      }
      phone.start(session.answerSdp);
      await camera.waitForTone(440);
      expect(camera.received.some((_, i) => i >= 25 && toneShare(concatSamples(camera.received.slice(i - 25, i)), 880) > 0.5)).toBe(false);
      await eventually(() => phone.received.length > 10, 10_000, 'audio to the phone');
      expect(atStranger).toBe(0);
    } finally {
      stranger.close();
    }
  });

  it('learns a phone behind a NAT that leaves a private address in its SDP from its first steady stream', async () => {
    camera = new ToneCameraAudio(1000);
    // The SIP came from the NAT's address (not the phone's loopback one); the SDP names 10.0.0.5.
    session = await media.answer({ callId: `edge-${++callCounter}`, kind: 'sip', offerSdp: phone.offer({ address: '10.0.0.5' }), audio: camera, signallingAddress: '127.0.0.8' });
    phone.start(session.answerSdp);
    await camera.waitForTone(440);
    await eventually(() => phone.received.length > 10, 10_000, 'audio at the phone\'s real source');
  });

  it('keeps the phone heard across an SSRC change with a new sequence and timestamp base', async () => {
    await call(phone.offer());
    phone.start(session.answerSdp);
    await camera.waitForTone(440);
    phone.ssrc = 0x0bad_cafe;
    phone.sequenceNumber = 50_000;
    phone.timestamp = 7_000_000;
    phone.setTone(880);
    await camera.waitForTone(880);
  });

  it('takes RTCP on the RTP port (rtcp-mux) and the next one as a sign of life, never as audio', async () => {
    await call(phone.offer());
    let timedOut = false;
    session.on('timeout', () => (timedOut = true));
    phone.start(session.answerSdp);
    await camera.waitForTone(440);
    // A muted phone with silence suppression: no RTP, RTCP every 250 ms on both ports.
    phone.stop();
    const rtcp = setInterval(() => {
      phone.sendRaw(rtcpReceiverReport(phone.ssrc), 0);
      phone.sendRaw(rtcpReceiverReport(phone.ssrc), 1);
    }, 250);
    try {
      await new Promise((r) => setTimeout(r, TIMEOUT_MS * 2));
    } finally {
      clearInterval(rtcp);
    }
    expect(timedOut).toBe(false);
    // What the camera heard since the RTP stopped is concealment fading to silence, not RTCP bytes.
    expect(camera.recent(20).every((sample) => sample === 0)).toBe(true);
    await session.waitFor('timeout');
  });

  it('ends a call whose phone falls silent (RTP timeout), but not while the call is on hold', async () => {
    await call(phone.offer());
    let timedOut = false;
    session.on('timeout', () => (timedOut = true));
    phone.start(session.answerSdp);
    await camera.waitForTone(440);

    // Hold (RFC 3264 §8.4): a=inactive; the phone stops sending, which must not end the call.
    const holdAnswer = await session.update(phone.offer({ direction: 'inactive' }));
    expect(holdAnswer).toMatch(/^a=inactive\r$/m);
    phone.stop();
    await new Promise((r) => setTimeout(r, TIMEOUT_MS + 700));
    expect(timedOut).toBe(false);

    // Resumed, but still silent: the timeout ends it.
    const started = Date.now();
    await session.update(phone.offer());
    await session.waitFor('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  });

  it('stops sending to a phone that holds with a=sendonly (answer a=recvonly) and resumes after', async () => {
    await call(phone.offer());
    phone.start(session.answerSdp);
    await eventually(() => phone.received.length > 10, 10_000, 'audio at the phone');
    const answer = await session.update(phone.offer({ direction: 'sendonly' }));
    expect(answer).toMatch(/^a=recvonly\r$/m);
    await new Promise((r) => setTimeout(r, 200));
    const countOnHold = phone.received.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(phone.received.length).toBe(countOnHold);
    await camera.waitForTone(440); // the phone's music on hold is still heard

    expect(await session.update(phone.offer())).toMatch(/^a=sendrecv\r$/m);
    await eventually(() => phone.received.length > countOnHold + 10, 10_000, 'audio after resume');
  });

  it('switches codec on a re-INVITE that drops PCMU (PCMA both ways after)', async () => {
    await call(phone.offer());
    phone.start(session.answerSdp);
    await camera.waitForTone(440);
    const answer = await session.update(phone.offer({ formats: '8 101', rtpmaps: ['a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000'] }));
    expect(answer).toMatch(/^m=audio \d+ RTP\/AVP 8 101\r$/m);
    expect(session.codec).toBe('PCMA');
    phone.payloadType = 8;
    phone.setTone(600, pcma);
    await camera.waitForTone(600);
    const before = phone.received.length;
    await eventually(() => phone.received.slice(before).filter((p) => p.payloadType === 8).length > 25, 10_000, 'PCMA at the phone');
    const heard = phone.received.slice(-25).filter((p) => p.payloadType === 8);
    const samples = new Int16Array(heard.length * 160);
    heard.forEach((p, i) => samples.set(g711Decode('alaw', p.payload), i * 160));
    expect(toneShare(samples, 1000)).toBeGreaterThan(0.8);
  });

  it('sends a key to the phone as RFC 4733 events: marker on the first, same timestamp, three end packets', async () => {
    await call(phone.offer());
    phone.start(session.answerSdp);
    await eventually(() => phone.received.length > 5, 10_000, 'audio at the phone');
    session.sendDtmf('7');
    await eventually(() => phone.received.filter((p) => p.payloadType === 101 && (p.payload[1]! & 0x80) !== 0).length === 3, 10_000, 'three end packets');
    const events = phone.received.filter((p) => p.payloadType === 101);
    expect(events.every((p) => p.payload[0] === 7 && p.timestamp === events[0]!.timestamp)).toBe(true);
    expect(events[0]!.marker).toBe(true);
    // One sequence space: no gaps or repeats around the inserted events.
    const sequence = phone.received.map((p) => p.sequenceNumber);
    const steps = sequence.slice(1).map((s, i) => (s - sequence[i]! + 0x10000) % 0x10000);
    expect(steps.every((step) => step === 1)).toBe(true);
  });

  it('rejects an offer with no common codec (488) without taking a port', async () => {
    const offer = phone.offer({ formats: '18', rtpmaps: ['a=rtpmap:18 G729/8000'] });
    const failure = await media.answer({ callId: 'g729', kind: 'sip', offerSdp: offer, audio: new ToneCameraAudio(1000) }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SdpNegotiationError);
    expect((failure as SdpNegotiationError).failure).toBe('no-common-codec');
    expect(media.status().sessions).toBe(0);
  });

  it('replaces a mediasoup worker that dies, ends its calls with reason worker-died, and takes new calls', async () => {
    await call(phone.offer());
    const [pid] = media.status().workerPids;
    const closed = session.waitFor('closed');
    process.kill(pid!, 'SIGKILL');
    const [reason] = (await closed) as [MediaSessionCloseReason];
    expect(reason).toBe('worker-died');
    await eventually(() => media.status().workerPids.length === 1 && media.status().workerPids[0] !== pid, 10_000, 'a replacement worker');

    phone.close();
    phone = await RtpTestPhone.open(pcmu, 440);
    await call(phone.offer());
    phone.start(session.answerSdp);
    await camera.waitForTone(440);
  });
});
