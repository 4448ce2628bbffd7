/**
 * What a caller notices, measured through a whole gateway in this process
 * (startTestGateway: SIP stack, media, audio engine, camera logic, on loopback) called by
 * scripted phones (SipCaller + RtpTestPhone, PCMU, keys as RFC 4733 events):
 *   set-up      INVITE -> 200 OK, -> first RTP packet, -> first audible packet of the welcome;
 *   feedback    key -> first audible packet of what the camera says back: "one: door
 *               opener" (prerendered at start-up), and answers rendered when asked
 *               (a command's result, the time, camera information);
 *   memory      per call with many calls up: Node RSS and heap, mediasoup worker RSS, and
 *               what is left once they have hung up (a leak check).
 *
 *   npx tsx packages/gateway/bench/gateway-calls.ts [setupCalls] [keyPresses] [concurrentCalls]
 */
import './support/worker-env.ts';

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CameraStatus, IncomingCallsSettings, SettingsView } from '@camgate/protocol';

import { g711Decode, g711Encode } from '../src/audio/codecs/g711.ts';
import type { DtmfKey } from '../src/audio/dtmf/keys.ts';
import { RFC3261_TIMERS, timerDuration } from '../src/sip/transaction/timers.ts';
import { RtpTestPhone } from '../test/integration/media-harness.ts';
import { startTestGateway, type TestGateway } from '../test/support/gateway.ts';
import { processRss } from './support/proc.ts';
import { fixed, percentile, printTable } from './support/report.ts';
import { SipCaller, type CallerDialog } from './support/sip-caller.ts';

const SETUP_CALLS = Number(process.argv[2] ?? 20);
const KEY_PRESSES = Number(process.argv[3] ?? 60);
const CONCURRENT_CALLS = Number(process.argv[4] ?? 50);
/** Repeats of each answer rendered when asked: the first renders, repeats may hit the phrase cache. */
const RENDERED_REPEATS = 3;
/** A decoded sample above this (about -40 dBFS) makes a packet audible; the camera's silence is 0. */
const AUDIBLE_PEAK = 300;
/** The gateway's SIP ingress guard allows 50 messages/s per address: pace the calls below it. */
const CALL_SPACING_MS = 60;
const TIMER_L_MS = timerDuration('L', RFC3261_TIMERS, false);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const pcmu = (frame: Int16Array) => g711Encode('mulaw', frame);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function audible(payload: Buffer): boolean {
  for (const sample of g711Decode('mulaw', payload)) if (Math.abs(sample) > AUDIBLE_PEAK) return true;
  return false;
}

/** Polls until `find` returns a value; the values carry their own arrival times. */
async function waitFor<T>(what: string, find: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** Arrival time of the first audible audio packet that arrived after `after`. */
function firstAudible(phone: RtpTestPhone, after: number, what: string): Promise<number> {
  return waitFor(what, () => phone.received.find((p) => p.at > after && p.payloadType === 0 && audible(p.payload))?.at);
}

/** Resolves once the camera has been silent for `ms`. */
async function silence(phone: RtpTestPhone, ms = 100): Promise<void> {
  await waitFor('silence', () => {
    const now = performance.now();
    const recent = phone.received.filter((p) => p.at > now - ms);
    return recent.length >= ms / 20 - 1 && recent.every((p) => !audible(p.payload)) ? true : undefined;
  }, 15_000);
}

async function callsUp(gw: TestGateway): Promise<number> {
  return (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls.length;
}

function memory(gw: TestGateway): { rss: number; heap: number; worker: number } {
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heap: heapUsed, worker: gw.gateway.info.workerPids.reduce((sum, pid) => sum + processRss(pid), 0) };
}

interface Call {
  phone: RtpTestPhone;
  dialog: CallerDialog;
  invitedAt: number;
  answeredAt: number;
}

async function placeCall(caller: SipCaller): Promise<Call> {
  const phone = await RtpTestPhone.open(pcmu, 440);
  const invitedAt = performance.now();
  const dialog = await caller.invite(phone.offer());
  const answeredAt = performance.now();
  phone.start(dialog.answerSdp);
  return { phone, dialog, invitedAt, answeredAt };
}

async function hangUp(caller: SipCaller, call: Call): Promise<void> {
  await caller.bye(call.dialog);
  call.phone.close();
}

// All calls come from one local caller: lift the per-source quotas (the RTP range holds 100 pairs).
const gw = await startTestGateway(['--max-calls', '100', '--max-calls-per-source', '100', '--max-pending-invites-per-source', '100']);
const caller = await SipCaller.open(gw.sipPort);
try {
  const view = await gw.api<SettingsView>('GET', '/api/cameras/camera/settings');
  // No PIN, audio mode None: between prompts the caller hears digital silence.
  const settings: IncomingCallsSettings = {
    ...view.running, pin: '', acceptedCallers: [], welcomeMessageId: 'welcome', audioMode: 'none', hangupAfterSeconds: 3600,
  };
  await gw.api('PUT', '/api/cameras/camera/settings', settings);
  const rows: (string | number)[][] = [];
  const row = (label: string, ms: readonly number[]) =>
    rows.push([label, ms.length, fixed(ms[0]!), fixed(percentile(ms, 0.5)), fixed(percentile(ms, 0.99)), fixed(Math.max(...ms))]);

  // --- set-up: INVITE to the welcome ------------------------------------------------------
  const toAnswer: number[] = [];
  const toFirstPacket: number[] = [];
  const toWelcome: number[] = [];
  for (let i = 0; i < SETUP_CALLS; i++) {
    const call = await placeCall(caller);
    const firstPacket = await waitFor('the first RTP packet', () => call.phone.received[0]?.at);
    const welcome = await firstAudible(call.phone, call.invitedAt, 'the welcome');
    toAnswer.push(call.answeredAt - call.invitedAt);
    toFirstPacket.push(firstPacket - call.invitedAt);
    toWelcome.push(welcome - call.invitedAt);
    await hangUp(caller, call);
    await sleep(CALL_SPACING_MS);
  }
  row('INVITE -> 200 OK', toAnswer);
  row('INVITE -> first RTP packet', toFirstPacket);
  row('INVITE -> first audible packet (welcome)', toWelcome);

  // --- feedback: key to the camera's answer ----------------------------------------------
  const call = await placeCall(caller);
  await firstAudible(call.phone, call.invitedAt, 'the welcome');
  // Key 2 (not available) cuts the welcome short and says nothing: silence to measure from.
  const hush = async () => {
    await call.phone.pressKey('2');
    await silence(call.phone);
  };
  await hush();
  const feedback: number[] = [];
  for (let i = 0; i < KEY_PRESSES; i++) {
    const pressed = await call.phone.pressKey('1');
    feedback.push((await firstAudible(call.phone, pressed, '"one: door opener"')) - pressed);
    await hush();
  }
  row('key 1 -> "one: door opener" (prerendered)', feedback);
  const renderedWhenAsked: [digit: DtmfKey, label: string][] = [
    ['1', '1# -> "Door opener triggered." (rendered on first use)'],
    ['4', '4# -> "It is <day, time>." (rendered when asked)'],
    ['0', '0# -> camera information (rendered when asked)'],
  ];
  for (const [digit, label] of renderedWhenAsked) {
    const answers: number[] = [];
    for (let i = 0; i < RENDERED_REPEATS; i++) {
      await call.phone.pressKey(digit);
      await silence(call.phone, 200); // the selection is said back in full
      const pressed = await call.phone.pressKey('#');
      answers.push((await firstAudible(call.phone, pressed, label)) - pressed);
      await hush();
    }
    row(label, answers);
  }
  await hangUp(caller, call);
  while ((await callsUp(gw)) > 0) await sleep(50);

  printTable(
    `gateway calls: whole gateway in-process, PCMU phones on loopback, key presses as RFC 4733 events (times from the key's first packet), ms`,
    ['measure', 'n', 'first', 'p50', 'p99', 'max'],
    rows,
  );

  // --- memory per call -------------------------------------------------------------------
  const idle = memory(gw);
  const calls: Call[] = [];
  for (let i = 0; i < CONCURRENT_CALLS; i++) {
    calls.push(await placeCall(caller));
    await sleep(CALL_SPACING_MS);
  }
  await sleep(2000); // welcomes playing, jitter buffers filled
  for (const c of calls) c.phone.received.length = 0; // the phones' own recordings are not the gateway's memory
  const loaded = memory(gw);
  for (const c of calls) await hangUp(caller, c);
  while ((await callsUp(gw)) > 0) await sleep(50);
  // An answered INVITE's server transaction lives on for Timer L (64·T1 = 32 s, RFC 6026 §8.7)
  // and keeps its call reachable until then: measure what is left after that.
  await sleep(TIMER_L_MS + 2000);
  const after = memory(gw);
  const perCall = (bytes: number) => fixed(bytes / CONCURRENT_CALLS / 1024, 0);
  printTable(`gateway memory per call: ${CONCURRENT_CALLS} calls up at once (welcome playing), KiB per call, after a full GC`, ['', 'Node heap', 'Node RSS', 'worker RSS'], [
    ['with the calls up', perCall(loaded.heap - idle.heap), perCall(loaded.rss - idle.rss), perCall(loaded.worker - idle.worker)],
    [`left ${(TIMER_L_MS + 2000) / 1000} s after hang-up`, perCall(after.heap - idle.heap), perCall(after.rss - idle.rss), perCall(after.worker - idle.worker)],
  ]);
  console.log('(the heap is the leak check: freed memory mostly stays in the RSS, not given back to the system)');
} finally {
  caller.close();
  await gw.close();
}
