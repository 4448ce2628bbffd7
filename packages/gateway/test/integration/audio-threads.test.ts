import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallLogEntry, CameraStatus, SettingsView } from '@camgate/protocol';
import { Baresip } from '../support/baresip.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { blocksWithTone, ROOM_TEST_HZ, wavBlocks, writeRoomToneWav } from '../support/tone.ts';

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
  const callIds = async () => (await gw.api<CameraStatus>('GET', '/api/status')).calls.map((c) => c.callId);
  const loggedCall = async (callId: string) => (await gw.api<CallLogEntry[]>('GET', '/api/calls')).find((c) => c.callId === callId);
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
    const view = await gw.api<SettingsView>('GET', '/api/settings');
    // Listen from the start: what a caller hears is the room microphone, through its call's audio thread.
    await gw.api('PUT', '/api/settings', { ...view.running, pin: '', acceptedCallers: [], audioMode: 'listen' });
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
