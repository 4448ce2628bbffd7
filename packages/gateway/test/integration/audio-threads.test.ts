import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallLogEntry, CameraStatus, SettingsView } from '@camgate/protocol';
import { g711Decode, g711Encode } from '../../src/audio/codecs/g711.ts';
import { FRAME_SAMPLES } from '../../src/audio/contracts.ts';
import { generateDtmfTone } from '../../src/audio/dtmf/tone-generator.ts';
import { PhraseCache } from '../../src/audio/speech/phrase-cache.ts';
import { synthesizeTone } from '../../src/audio/synth.ts';
import { createLogger } from '../../src/core/logger.ts';
import { AudioThreadPool } from '../../src/media/audio-threads/audio-thread-pool.ts';
import { MediaService } from '../../src/media/media-service.ts';
import type { SipLeg } from '../../src/media/sip-leg.ts';
import { Baresip } from '../support/baresip.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { blocksWithTone, hasTone, ROOM_TEST_HZ, wavBlocks, writeRoomToneWav } from '../support/tone.ts';
import { RtpTestPhone } from './media-harness.ts';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('audio threads: calls run on every core, a crashed thread ends only its own calls', () => {
  let gw: TestGateway;
  let dir: string;
  const phones: Baresip[] = [];

  /** A baresip phone that records what it hears (its own directory: one recording per call). */
  const newPhone = async () => {
    const phone = await Baresip.start({ recordDir: await mkdtemp(join(dir, 'phone-')) });
    phones.push(phone);
    return phone;
  };
  const callIds = async () => (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls.map((c) => c.callId);
  const loggedCall = async (callId: string) => (await gw.api<CallLogEntry[]>('GET', '/api/cameras/camera/calls')).find((c) => c.callId === callId);
  /** 100 ms blocks of the room microphone's 1 kHz tone in the last `seconds` of what the phone heard. */
  const roomToneHeard = async (phone: Baresip, seconds: number) => {
    const { received } = await phone.recordings();
    return blocksWithTone((await wavBlocks(received.at(-1)!)).slice(-seconds * 10), ROOM_TEST_HZ);
  };
  const establish = async (phone: Baresip, known: string[]) => {
    await phone.dial(gw.sipUri);
    await phone.waitForEvent('CALL_ESTABLISHED');
    return eventually(async () => (await callIds()).find((id) => !known.includes(id)), 10_000, 'the new call in the status');
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'camgate-threads-'));
    gw = await startTestGateway(['--audio-threads', '2', '--microphone-wav', await writeRoomToneWav(dir)]);
    const view = await gw.api<SettingsView>('GET', '/api/cameras/camera/settings');
    // Listen from the start: what a caller hears is the room microphone, through its call's audio thread.
    await gw.api('PUT', '/api/cameras/camera/settings', { ...view.running, pin: '', acceptedCallers: [], audioMode: 'listen' });
  });
  afterAll(async () => {
    for (const phone of phones.splice(0)) await phone.close();
    await gw.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a killed thread: its call ends with BYE, a call on the other thread goes on, the next call works', async () => {
    const threads = gw.gateway.audioThreads;
    const victim = await newPhone();
    const victimCall = await establish(victim, []);
    const survivor = await newPhone();
    const survivorCall = await establish(survivor, [victimCall]);
    // Calls go to the least loaded thread: two calls, two threads.
    const victimThread = threads.threadOf(victimCall)!;
    const victimThreadId = victimThread.threadId;
    expect(threads.threadOf(survivorCall)).not.toBe(victimThread);
    await pause(1500);

    await victimThread.terminate();
    // The gateway hangs up (BYE): the phone itself never did.
    await victim.waitForEvent('CALL_CLOSED', 10_000);
    await eventually(async () => (await loggedCall(victimCall))?.outcome === 'error', 10_000, 'the victim call logged as ended by an error');
    expect(await callIds()).toEqual([survivorCall]);

    // The other thread's call still hears the room, after the crash too.
    await pause(3000);
    expect(await callIds()).toEqual([survivorCall]);
    await survivor.hangup();
    await survivor.waitForEvent('CALL_CLOSED');
    expect(await roomToneHeard(survivor, 3)).toBeGreaterThan(15);
    expect((await loggedCall(survivorCall))?.outcome).toBe('completed');

    // A new thread replaced the dead one, and the next call works.
    await eventually(() => threads.load.size === 2 && !threads.load.has(victimThreadId), 10_000, 'a replacement thread');
    const next = await newPhone();
    const nextCall = await establish(next, []);
    await pause(6000); // the welcome (room ducked under it), then the room
    await next.hangup();
    await next.waitForEvent('CALL_CLOSED');
    expect(await roomToneHeard(next, 3)).toBeGreaterThan(15);
    expect((await loggedCall(nextCall))?.outcome).toBe('completed');
  }, 60_000);
});

describe('audio threads: the engine of a call in a thread, its RTP straight from the phone', () => {
  const logger = createLogger('silent');
  const pcmu = (frame: Int16Array) => g711Encode('mulaw', frame);
  /** "Speech" from the main thread's phrase cache: a 700 Hz tone stands in for espeak's rendering. */
  const phrases = new PhraseCache({ synthesize: () => Promise.resolve(synthesizeTone([{ frequencyHz: 700, amplitude: 8000 }], 8000)) });
  let dir: string;
  let media: MediaService;
  let threads: AudioThreadPool;
  let phone: RtpTestPhone;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'camgate-engine-'));
    media = new MediaService({ logger, webrtc: { listenIp: '127.0.0.1' }, rtp: { listenIp: '127.0.0.1', announcedIp: '127.0.0.1', portMin: 32600, portMax: 32799 } });
    await media.start();
    threads = await AudioThreadPool.start({ size: 2, logger, phrases, dataDir: dir });
  });
  afterAll(async () => {
    phone.close();
    await threads.close();
    await media.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** 100 ms blocks the phone heard after `since`, decoded. */
  const heardBlocks = (since: number) => {
    const frames = phone.received.filter((p) => p.at > since && p.payloadType === 0).map((p) => g711Decode('mulaw', p.payload));
    return Array.from({ length: Math.floor(frames.length / 5) }, (_, i) => Int16Array.from(frames.slice(i * 5, i * 5 + 5).flatMap((f) => [...f])));
  };

  it('plays prompts rendered on the main thread, detects in-band DTMF, and spreads calls over the threads', async () => {
    const audio = threads.createCallAudio('engine-1', { intercom: { thresholdPercent: 5, cycleTimeMs: 1000 } });
    const other = threads.createCallAudio('engine-2', { intercom: { thresholdPercent: 5, cycleTimeMs: 1000 } });
    expect([...threads.load.values()]).toEqual([1, 1]);
    await other.close();
    phone = await RtpTestPhone.open(pcmu, 300);
    const session = await media.answer({ callId: 'engine-1', kind: 'sip', offerSdp: phone.offer(), audio });
    phone.start(session.answerSdp);
    session.confirmPeer();

    // Speech: rendered by the main thread's cache, shared with the thread, played to the caller.
    const before = performance.now();
    await expect(audio.play({ kind: 'speech', text: 'hello' })).resolves.toBe('finished');
    expect(heardBlocks(before).filter((block) => hasTone(block, 700)).length).toBeGreaterThan(5);
    // A recording (its samples in shared memory) the same way.
    const recording = synthesizeTone([{ frequencyHz: 1100, amplitude: 8000 }], 4000);
    const recordingAt = performance.now();
    await expect(audio.play({ kind: 'audio', name: 'message', samples: recording })).resolves.toBe('finished');
    expect(heardBlocks(recordingAt).filter((block) => hasTone(block, 1100)).length).toBeGreaterThan(2);

    // The caller keys 5 in-band: the thread's Goertzel detector hears it, the proxy reports it once.
    const keys: string[] = [];
    audio.on('dtmf', (key, source) => keys.push(`${key}:${source}`));
    const tone = generateDtmfTone('5', { durationMs: 120 });
    let sent = 0;
    phone.setTone(300, (plain) => {
      const frame = sent < tone.length ? tone.subarray(sent, sent + FRAME_SAMPLES) : plain;
      sent += FRAME_SAMPLES;
      return pcmu(frame);
    });
    await eventually(() => keys.length > 0, 5000, 'the in-band key');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(keys).toEqual(['5:inband']);

    session.close();
    await audio.close();
    await eventually(() => [...threads.load.values()].every((calls) => calls === 0), 5000, 'the threads let go of the calls');
  }, 30_000);

  it('serves a SIP phone without mediasoup: keys (RFC 4733) and the learnt source come back as events, a taken port is skipped', async () => {
    // Its own range, whose first pair another program holds.
    const own = new MediaService({ logger, webrtc: { listenIp: '127.0.0.1' }, rtp: { listenIp: '127.0.0.1', announcedIp: '127.0.0.1', portMin: 32800, portMax: 32809 } });
    await own.start();
    const squatter = createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(32800, '127.0.0.1', resolve));
    const caller = await RtpTestPhone.open(pcmu, 440);
    const audio = threads.createCallAudio('engine-3', { intercom: { thresholdPercent: 5, cycleTimeMs: 1000 }, mode: 'listen' });
    try {
      const session = await own.answer({ callId: 'engine-3', kind: 'sip', offerSdp: caller.offer(), audio });
      expect(/^m=audio (\d+)/m.exec(session.answerSdp)?.[1]).toBe('32802');
      // The call's audio does not pass the camera's Router at all.
      expect((await (await own.cameraRouter()).dump()).transportIds).toEqual([]);
      const keys: string[] = [];
      session.on('dtmf', (key, source) => keys.push(`${key}:${source}`));
      caller.start(session.answerSdp);
      const leg = session.leg as SipLeg;
      await eventually(() => leg.phoneSource === `127.0.0.1:${caller.port}`, 5000, 'the source the thread learnt');
      await eventually(() => caller.received.length > 10, 5000, 'the camera\'s audio from the thread');
      await caller.pressKey('7');
      await eventually(() => keys.length > 0, 5000, 'the RFC 4733 key');
      await pause(300);
      expect(keys).toEqual(['7:rfc4733']);
      session.close();
    } finally {
      caller.close();
      squatter.close();
      await audio.close();
      await own.close();
    }
  }, 30_000);
});
