/**
 * Fuzzing the RTP edge: whatever a phone (or anyone) sends to a call's RTP and RTCP ports,
 * truncated packets, wrong versions, 15 CSRCs in 20 bytes, extension and padding lengths
 * past the end, telephone-events of any length, SSRC storms, nothing throws out of a
 * socket handler (vitest fails a run on any uncaught exception) and the call keeps working.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { g711Encode } from '../../src/audio/codecs/g711.ts';
import { createLogger } from '../../src/core/logger.ts';
import { MediaService } from '../../src/media/media-service.ts';
import { eventually } from '../support/gateway.ts';
import { RtpTestPhone, ToneCameraAudio } from './media-harness.ts';

const logger = createLogger();
const pcmu = (frame: Int16Array) => g711Encode('mulaw', frame);
const DATAGRAMS = 4000;

/** Mulberry32: a seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One hostile datagram of a kind picked at random. */
function hostileDatagram(next: () => number): Buffer {
  const int = (max: number) => Math.floor(next() * max);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const header = (first: number, second: number, length: number) => {
    const packet = bytes(Math.max(length, 12));
    packet[0] = first;
    packet[1] = second;
    return packet.subarray(0, length);
  };
  switch (int(9)) {
    case 0: return bytes(int(300)); // noise, including empty datagrams
    case 1: return header(0x80 | 0x0f, int(128), 12 + int(60)); // 15 CSRCs that are not there
    case 2: { // an extension whose length runs past the end
      const packet = header(0x90, 0, 16 + int(8));
      packet.writeUInt16BE(0xffff, 14);
      return packet;
    }
    case 3: { // padding longer than the packet, or zero
      const packet = header(0xa0, 0, 12 + int(20));
      packet[packet.length - 1] = next() < 0.5 ? 0 : 255;
      return packet;
    }
    case 4: return header(0x80 | (next() < 0.5 ? 0x80 : 0), 101, 12 + int(9)); // telephone-events of 0-8 bytes
    case 5: return header(0x80, 0, 12 + int(3)); // audio with a new SSRC and next to no payload
    case 6: return header(0x80, 192 + int(32), 1 + int(12)); // RTCP-looking, truncated
    case 7: return header([0x00, 0x40, 0xc0][int(3)]!, int(128), 12 + int(200)); // RTP versions 0, 1, 3
    default: return header(0x80 | int(16), int(256), int(16)); // anything shorter than a header
  }
}

describe('RTP edge under fuzzing', () => {
  let media: MediaService;
  let phone: RtpTestPhone;
  let stranger: Socket;

  beforeEach(async () => {
    media = new MediaService({
      logger,
      webrtc: { listenIp: '127.0.0.1' },
      rtp: { listenIp: '127.0.0.1', announcedIp: '127.0.0.1', portMin: 33000, portMax: 33099, timeoutMs: 10_000 },
    });
    await media.start();
    phone = await RtpTestPhone.open(pcmu, 440);
    stranger = createSocket('udp4');
    await new Promise<void>((resolve) => stranger.bind(0, '127.0.0.9', resolve));
  });

  afterEach(async () => {
    stranger.close();
    phone.close();
    await media.close();
  });

  it('survives thousands of malformed packets from the phone and a stranger, and the call still carries audio', async () => {
    const camera = new ToneCameraAudio(1000);
    const session = await media.answer({ callId: 'fuzz-1', kind: 'sip', offerSdp: phone.offer(), audio: camera, signallingAddress: '127.0.0.1' });
    phone.start(session.answerSdp);
    await camera.waitForTone(440);
    const rtpPort = Number(/^m=audio (\d+)/m.exec(session.answerSdp)![1]);

    const next = random(0x0c0ffee);
    for (let i = 0; i < DATAGRAMS; i++) {
      const datagram = hostileDatagram(next);
      const port = rtpPort + (i % 4 === 3 ? 1 : 0); // a quarter to the RTCP port
      // From the phone's own address (past the source check) and from a stranger.
      (i % 2 === 0 ? phone.socket : stranger).send(datagram, port, '127.0.0.1');
      if (i % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
    }

    expect(session.state).toBe('open');
    phone.setTone(660);
    await camera.waitForTone(660);
    const before = phone.received.length;
    await eventually(() => phone.received.length > before + 20, 5000, 'audio to the phone after the fuzzing');
  }, 30_000);
});
