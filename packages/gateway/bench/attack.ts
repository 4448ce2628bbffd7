/**
 * Issue #9 at full size: every attack of packages/gateway/test/attack against a real gateway
 * process (one per family), from loopback sources only, with the numbers (1,000
 * connections, 5,000 sockets, 30 s floods). For each attack it prints what it measured,
 * whether the gateway still serves (OPTIONS, a baresip call from another source, RSS), and
 * a PASS/FAIL line; the exit status is 1 when any attack fails.
 *
 *   npm run bench -- attack                      every family
 *   npx tsx packages/gateway/bench/attack.ts rtp  only families whose name contains "rtp"
 */
import './support/worker-env.ts';

import { outOfRangeMediaPort, undecodableSessionCookie } from '../test/attack/attacks/crash-inputs.ts';
import { adminLoginFlood, failedDigestsLockOut, pinGuessingRotatingFrom, replayedDigest, restartKeepsLockouts } from '../test/attack/attacks/lockouts.ts';
import { callCutByKill, rateLimitLogLines, rejectedFloodKeepsAnsweredCalls } from '../test/attack/attacks/records.ts';
import { hostNameInConnectionLine, unackedInviteNamesVictim } from '../test/attack/attacks/reflection.ts';
import { anonymousLiveSockets, connectionSlotsFromOneAddress, transactionTableFill, unackedInvitesFromOneSource } from '../test/attack/attacks/resource-exhaustion.ts';
import { strangerSpraysRtpDuringCall } from '../test/attack/attacks/rtp-hijack.ts';
import { closedConnectionNoDialBack, clientsThatNeverRead } from '../test/attack/attacks/tcp-backpressure.ts';
import { uploadWhileHealthPolled } from '../test/attack/attacks/upload-stall.ts';
import type { AttackResult } from '../test/attack/support/result.ts';
import { OWNER_PHONE_HOST, stillServing } from '../test/attack/support/serving.ts';
import { crowd, source } from '../test/attack/support/sources.ts';
import { GatewayTarget, type TargetOptions } from '../test/attack/support/target.ts';
import { printTable } from './support/report.ts';

interface Attack {
  name: string;
  run(target: GatewayTarget): Promise<AttackResult>;
  /** Skip the "still serving" check (an attack that ends with its own restart check). */
  noServingCheck?: boolean;
}

interface Family {
  name: string;
  target?: TargetOptions;
  attacks: Attack[];
}

// Sources: 127.0.0.100-199 and the crowds 127.100.*-127.109.* (the vitest files use lower ones).
const serving = { monitor: source(190), caller: source(191) };
let ownerCookie: string | undefined;

const FAMILIES: Family[] = [
  {
    name: 'crash-inputs',
    attacks: [
      { name: 'socket.io cookie %E0%A4%A', run: (t) => undecodableSessionCookie(t, source(100)) },
      { name: 'INVITE with m=audio 65536', run: (t) => outOfRangeMediaPort(t, source(100)) },
    ],
  },
  {
    name: 'rtp-hijack',
    target: { rtpPorts: 1000 },
    attacks: [{ name: 'stranger sprays 1,000 RTP ports for ~30 s', run: (t) => strangerSpraysRtpDuringCall(t, { owner: OWNER_PHONE_HOST, stranger: source(111), rounds: 30 }) }],
  },
  {
    name: 'reflection',
    attacks: [
      { name: 'unACKed INVITE naming a third address (40 s)', run: (t) => unackedInviteNamesVictim(t, { attacker: source(120), victim: source(121), observeMs: 40_000 }) },
      { name: 'host name in c=', run: (t) => hostNameInConnectionLine(t, { attacker: source(120) }) },
    ],
  },
  {
    name: 'tcp-backpressure',
    attacks: [
      { name: 'no dial-back to 50 closed clients', run: (t) => closedConnectionNoDialBack(t, { sources: crowd(101, 50) }) },
      { name: '120 paused TCP clients ask for ~650 MB of answers', run: (t) => clientsThatNeverRead(t, { sources: crowd(100, 120), rounds: 2, answerBytes: 30_000, rssGrowthBoundMb: 800 }) },
    ],
  },
  {
    name: 'resource-exhaustion',
    target: { rtpPorts: 1000 },
    attacks: [
      { name: '600 unACKed INVITEs from one source', run: (t) => unackedInvitesFromOneSource(t, { attacker: source(130), invites: 600, caller: source(131) }) },
      { name: '5 sources fill the transaction table for 30 s', run: (t) => transactionTableFill(t, { sources: crowd(102, 5), seconds: 30, newcomer: source(132) }) },
      { name: '2,000 half-sent TCP + 2,000 idle WebSockets', run: (t) => connectionSlotsFromOneAddress(t, { attacker: source(130), connections: 2000, neighbour: source(133) }) },
      { name: '5,000 anonymous socket.io connections', run: (t) => anonymousLiveSockets(t, { attacker: source(130), sockets: 5000 }) },
    ],
  },
  {
    name: 'lockouts',
    attacks: [
      {
        name: '100 parallel wrong admin passwords',
        run: async (t) => {
          const result = await adminLoginFlood(t, { attacker: source(140), owner: source(141), attempts: 100 });
          ownerCookie = result.ownerCookie;
          return result;
        },
      },
      { name: 'PIN guessing with a rotating (spoofed) From', run: (t) => pinGuessingRotatingFrom(t, { stranger: source(142), owner: OWNER_PHONE_HOST, calls: 6 }) },
      { name: 'kill -9 and restart keep lock-outs and session', run: (t) => restartKeepsLockouts(t, { attacker: source(140), stranger: source(142), ownerCookie }) },
      { name: 'replayed WebSocket digest', run: (t) => replayedDigest(t, { owner: source(141), replayer: source(143), username: 'frontdoor', password: 'frontdoor-password' }) },
      { name: '50 failed digests from one address', run: (t) => failedDigestsLockOut(t, { guesser: source(143), username: 'backdoor', password: 'backdoor-password', attempts: 50 }) },
    ],
  },
  {
    name: 'records',
    attacks: [
      { name: '6,300 rejected INVITEs vs the call log', run: (t) => rejectedFloodKeepsAnsweredCalls(t, { owner: source(150), sources: crowd(103, 70) }) },
      { name: 'call cut by kill -9', run: (t) => callCutByKill(t, { owner: source(150) }) },
      { name: '30 s rate-limited flood vs the log', run: (t) => rateLimitLogLines(t, { attacker: source(151), seconds: 30, perSecond: 500 }) },
    ],
  },
  {
    name: 'upload-stall',
    attacks: [{ name: '5 uploads of a 10 MB WAV vs /api/health', run: (t) => uploadWhileHealthPolled(t, { uploads: 5, prober: source(160) }) }],
  },
];

const filter = process.argv[2] ?? '';
const summary: [string, string, string][] = [];
for (const family of FAMILIES.filter((f) => f.name.includes(filter))) {
  console.log(`\n--- ${family.name}`);
  const target = await GatewayTarget.start(family.target);
  try {
    for (const attack of family.attacks) {
      await target.revive();
      const started = Date.now();
      let problems: string[];
      try {
        const result = await attack.run(target);
        for (const [name, value] of Object.entries(result.numbers)) console.log(`  ${name}: ${value}`);
        problems = [...result.problems, ...(attack.noServingCheck ? [] : await stillServing(target, serving))];
      } catch (error) {
        problems = [`the attack itself failed: ${(error as Error).message.split('\n')[0]}`];
      }
      console.log(`  RSS now: ${target.alive ? target.rssMb().toFixed(0) : '-'} MB; took ${((Date.now() - started) / 1000).toFixed(1)} s`);
      for (const problem of problems) console.log(`  ! ${problem.split('\n')[0]}`);
      const verdict = problems.length === 0 ? 'PASS' : 'FAIL';
      console.log(`${verdict} ${family.name}: ${attack.name}`);
      summary.push([`${family.name}: ${attack.name}`, verdict, String(problems.length)]);
    }
  } finally {
    await target.stop();
  }
}
printTable('Attacks of issue #9', ['attack', 'verdict', 'problems'], summary);
process.exit(summary.some(([, verdict]) => verdict === 'FAIL') ? 1 : 0);
