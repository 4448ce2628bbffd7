/**
 * Several gateways behind Kamailio (issue #12): the most concurrent calls two nodes carry
 * against one, with audio both ways and in-band DTMF detection, under 1% late packets at
 * the phones; side by side with calls per node and memory per call.
 *
 *   npx tsx packages/gateway/bench/cluster-capacity.ts [secondsPerStep] [budgetSecondsPerRun]
 *
 * Each node is a real gateway process (`npm start`'s main.ts, test/attack/support/target.ts)
 * on its own loopback address (127.0.0.11, .12) with one mediasoup worker and one audio
 * thread, trusting Kamailio (127.0.0.10, deploy/kamailio/kamailio.cfg as it ships, round
 * robin). Fresh nodes for each run (RSS keeps its high-water mark).
 *   1 node    the node (its threads and its mediasoup worker) and the phones pinned to CPU 0:
 *             one node and its calls' phones on one core.
 *   2 nodes   node A pinned to CPU 0, node B to CPU 1, the phones (one process) not pinned:
 *             the phones of twice the calls spread over both nodes' cores.
 * So each core carries a node and the phones of its calls in both: twice the cores for twice
 * the load, generator included, which is what the ratio compares (a 1-node run with the
 * phones on the idle second core would give the one node a free half core). The phones cost
 * a fraction of a node's CPU per call; the CPU-bound estimate below leaves them out.
 * Kamailio is not pinned: it works while calls are set up, not while they are measured.
 *
 * Calls are set up the realistic way: INVITE, ACK and BYE through Kamailio (record-routed),
 * from CALLERS addresses 127.0.1.x (Kamailio's pike allows one address 50 requests/s), at
 * most SETUP_WINDOW INVITEs in flight; the media flows directly between phone and node. The
 * proxy's signalling does not dominate: it happens between the measured runs, and calls stay
 * up from one step to the next (a step only sets up or hangs up the difference), so the
 * search is not spent on set-up. Every call is the node's whole call path: camera answers
 * (no PIN, no welcome message, audio mode Listen: the room microphone to the phone, the
 * phone's voice decoded, level-metered and run through the in-band DTMF detector), call log,
 * live status. The phones are support/phones.ts (cheap, a child process: late% and lost%
 * judged there, as in media-capacity.ts), silent between runs: the nodes run with
 * --rtp-timeout 120 so that a long set-up does not end the first calls.
 * Per step: late% / lost%, calls per node (which node answered: its SDP address), CPU per
 * node (gateway process with all its threads + its mediasoup worker; one core = 100%), what
 * everything else took of each node's CPU (the phones, other work on this shared machine)
 * and the phones' CPU, RSS of the nodes (processes + workers) added per call
 * by the step (read from outside: no GC forced, so noisier than media-capacity.ts's; the
 * memory step gives each node MEMORY_CALLS calls to keep it down), INVITE -> 200 OK through
 * the proxy. Search: support/capacity-search.ts (warm-up, memory step, doubling from there,
 * bisection, a failed step once more), each run within its time budget.
 * Other load on this shared 2-core machine makes packets late at any call count, and it
 * changes from one run to the next: the late% capacity and its ratio are only as good as
 * the "everything else" row is low. The summary therefore also gives a CPU-bound estimate
 * that other load barely moves: what the nodes would carry with a full core each, from a line
 * fitted through each node's (calls, CPU) at the steps that passed (atFullCpu).
 */
import './support/worker-env.ts';

import { availableParallelism, loadavg } from 'node:os';

import { GatewayTarget } from '../test/attack/support/target.ts';
import { applySettings, NODE_A, NODE_B, PROXY_HOST } from '../test/support/cluster.ts';
import { Kamailio } from '../test/support/kamailio.ts';
import { MEMORY_CALLS, searchCapacity, type JudgedStep } from './support/capacity-search.ts';
import { MAX_LATE_PERCENT, phoneOffer, Phones, type PhoneTarget } from './support/phones.ts';
import { childPids, cpuBusyMs, pinToCpu, processCpuMs, processRss } from './support/proc.ts';
import { fixed, linearFit, percentile, printTable } from './support/report.ts';
import { SipCaller, type CallerDialog } from './support/sip-caller.ts';

const SECONDS = Number(process.argv[2] ?? 4);
const BUDGET_S = Number(process.argv[3] ?? 60);
const NODE_HOSTS = [NODE_A, NODE_B];
/** The most calls a step gives one node: its RTP range holds RTP_PORTS_PER_NODE / 2 pairs. */
const MAX_CALLS_PER_NODE = 1400;
const RTP_PORTS_PER_NODE = 3000;
/** Caller addresses: 3 requests a call, each address well under pike's 50 requests/s. */
const CALLERS = 20;
/** INVITEs in flight at once: paces the set-up below what the proxy's and nodes' UDP buffers hold. */
const SETUP_WINDOW = 16;
/** Set-up and tear-down time a call adds to a step (through the proxy, on a loaded core). */
const SETUP_MS_PER_CALL = 10;

interface Node {
  readonly target: GatewayTarget;
  readonly host: string;
  /** The gateway process and its mediasoup worker. */
  readonly pids: readonly number[];
}

interface LiveCall {
  readonly caller: SipCaller;
  readonly dialog: CallerDialog;
  readonly target: PhoneTarget;
}

interface ClusterStep extends JudgedStep {
  readonly lostPercent: number;
  readonly callsPerNode: number[];
  /** Per node: its gateway process and worker, percent of one core. */
  readonly nodeCpu: number[];
  /** Per node: what everything else took of the CPU it is pinned to (other work on the machine, the phones), percent; NaN unpinned. */
  readonly othersCpu: number[];
  readonly phonesCpu: number;
  /** RSS of the nodes (processes + workers) the step's new calls added, KiB per call; NaN when it added none. */
  readonly rssPerCallKiB: number;
  /** INVITE -> 200 OK through the proxy of the calls this step set up. */
  readonly setupMs: number[];
  /** Calls the step could not set up (the step is then not run: late% NaN). */
  readonly refused: number;
}

interface ClusterRun {
  readonly nodes: number;
  readonly pinned: boolean;
  readonly best: ClusterStep | undefined;
  readonly memory: ClusterStep;
  readonly bracket: string;
  /** Every step that ran, passed or not: the CPU-bound estimate's points. */
  readonly steps: ClusterStep[];
  /** INVITE -> 200 OK through the proxy of every call the run set up. */
  readonly setupMs: number[];
  readonly seconds: number;
}

async function startNode(host: string, cpu: number | undefined): Promise<{ node: Node; pinned: boolean }> {
  const target = await GatewayTarget.start({
    rtpPorts: RTP_PORTS_PER_NODE,
    flags: [
      ...['--sip-host', host, '--announced-ip', host, '--sip-trusted-proxy', PROXY_HOST, '--log-level', 'warn'],
      ...['--workers', '1', '--audio-threads', '1', '--rtp-timeout', '120'],
      ...['--max-calls', String(RTP_PORTS_PER_NODE / 2), '--sip-max-transactions', '20000'],
      // A bench caller address stands for many real callers.
      ...['--max-calls-per-source', '10000', '--max-pending-invites-per-source', '1000'],
    ],
  });
  await applySettings(target, { pin: '', acceptedCallers: [], welcomeMessageId: null, audioMode: 'listen', hangupAfterSeconds: 3600 });
  const pids = [target.pid!, ...childPids(target.pid!)];
  const pinned = cpu !== undefined && pids.map((pid) => pinToCpu(pid, cpu)).every(Boolean);
  return { node: { target, host, pids }, pinned };
}

/** Starts `nodeCount` nodes, Kamailio in front of them, the phones and the callers; stops them all once `work` is done. */
async function withCluster<T>(nodeCount: number, work: (cluster: { nodes: Node[]; pinned: boolean; phones: Phones; callers: SipCaller[] }) => Promise<T>): Promise<T> {
  const pinning = availableParallelism() >= 2;
  const started: Awaited<ReturnType<typeof startNode>>[] = [];
  let proxy: Kamailio | undefined;
  const phones = Phones.start();
  const callers: SipCaller[] = [];
  try {
    for (const [i, host] of NODE_HOSTS.slice(0, nodeCount).entries()) started.push(await startNode(host, pinning ? i : undefined));
    const nodes = started.map((s) => s.node);
    proxy = await Kamailio.dispatcher({ host: PROXY_HOST, nodes: nodes.map((n) => `sip:${n.host}:${n.target.sipPort}`) });
    const pinned = started.every((s) => s.pinned) && (nodeCount > 1 || pinToCpu(phones.pid, 0));
    for (let i = 0; i < CALLERS; i++) callers.push(await SipCaller.open(proxy.port, { host: proxy.host, localHost: `127.0.1.${i + 1}` }));
    return await work({ nodes, pinned, phones, callers });
  } finally {
    phones.quit();
    for (const caller of callers) caller.close();
    await proxy?.close();
    await Promise.all(started.map((s) => s.node.target.stop()));
  }
}

async function measure(nodeCount: number): Promise<ClusterRun> {
  return withCluster(nodeCount, (cluster) => search(nodeCount, cluster));
}

async function search(nodeCount: number, { nodes, pinned, phones, callers }: { nodes: Node[]; pinned: boolean; phones: Phones; callers: SipCaller[] }): Promise<ClusterRun> {
  const maxCalls = MAX_CALLS_PER_NODE * nodeCount;
  const phonePorts = await phones.open(maxCalls);
  /** Call i uses phone i: the calls up are always phones 0..live.length-1. */
  const live: LiveCall[] = [];
  const allSetupMs: number[] = [];
  const steps: ClusterStep[] = [];
  const began = performance.now();

  async function inWindow(count: number, work: (k: number) => Promise<void>): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < count) await work(next++);
    };
    await Promise.all(Array.from({ length: Math.min(SETUP_WINDOW, count) }, lane));
  }

  async function hangUp(calls: readonly LiveCall[]): Promise<void> {
    await inWindow(calls.length, (k) => calls[k]!.caller.bye(calls[k]!.dialog).catch(() => undefined));
  }

  /** Sets up or hangs up calls until `count` are up; the set-up times, and how many could not be set up. */
  async function resize(count: number): Promise<{ setupMs: number[]; refused: number }> {
    if (live.length >= count) {
      await hangUp(live.splice(count));
      return { setupMs: [], refused: 0 };
    }
    const first = live.length;
    const placed: (LiveCall | undefined)[] = [];
    const setupMs: number[] = [];
    await inWindow(count - first, async (k) => {
      const i = first + k;
      const caller = callers[i % CALLERS]!;
      const t0 = performance.now();
      try {
        const dialog = await caller.invite(phoneOffer(phonePorts[i]!));
        setupMs.push(performance.now() - t0);
        const address = /^c=IN IP4 (\S+)/m.exec(dialog.answerSdp)![1]!;
        placed[k] = { caller, dialog, target: { address, port: Number(/^m=audio (\d+)/m.exec(dialog.answerSdp)![1]) } };
      } catch {
        placed[k] = undefined;
      }
    });
    // The calls up stay a prefix of the phones: those after the first refused one hang up.
    const failed = placed.findIndex((call) => call === undefined);
    const kept = failed < 0 ? placed.length : failed;
    live.push(...(placed.slice(0, kept) as LiveCall[]));
    await hangUp(placed.slice(kept).filter((call): call is LiveCall => call !== undefined));
    allSetupMs.push(...setupMs);
    return { setupMs, refused: count - live.length };
  }

  const nodesRss = () => nodes.reduce((sum, n) => sum + n.pids.reduce((s, pid) => s + processRss(pid), 0), 0);
  const nodeCpuMs = (n: Node) => n.pids.reduce((s, pid) => s + processCpuMs(pid), 0);

  async function step(count: number): Promise<ClusterStep> {
    const callsBefore = live.length;
    const rssBefore = nodesRss();
    const { setupMs, refused } = await resize(count);
    const callsPerNode = nodes.map((n) => live.filter((c) => c.target.address === n.host).length);
    let outcome: ClusterStep;
    if (refused > 0) {
      outcome = { calls: count, latePercent: NaN, lostPercent: NaN, callsPerNode, nodeCpu: [], othersCpu: [], phonesCpu: NaN, rssPerCallKiB: NaN, setupMs, refused };
    } else {
      const cpuBefore = nodes.map(nodeCpuMs);
      const busyBefore = cpuBusyMs();
      const wallBefore = performance.now();
      const result = await phones.run(live.map((c) => c.target), SECONDS * 1000);
      const wall = performance.now() - wallBefore;
      const busy = cpuBusyMs();
      const nodeCpu = nodes.map((n, i) => ((nodeCpuMs(n) - cpuBefore[i]!) / wall) * 100);
      const othersCpu = nodes.map((_, i) => (pinned ? Math.max(0, ((busy[i]! - busyBefore[i]!) / wall) * 100 - nodeCpu[i]!) : NaN));
      outcome = {
        calls: count,
        latePercent: result.latePercent,
        lostPercent: result.lostPercent,
        callsPerNode,
        nodeCpu,
        othersCpu,
        phonesCpu: result.cpuPercent,
        rssPerCallKiB: count > callsBefore ? (nodesRss() - rssBefore) / (count - callsBefore) / 1024 : NaN,
        setupMs,
        refused,
      };
    }
    printStep(outcome);
    if (outcome.refused === 0) steps.push(outcome);
    return outcome;
  }

  console.log(
    `\n${nodeCount} node(s) behind Kamailio: each 1 mediasoup worker + 1 audio thread, ${SECONDS} s per step; ` +
      (pinned ? (nodeCount === 1 ? 'node and phones on CPU 0' : 'node A on CPU 0, node B on CPU 1, phones not pinned') : 'not pinned'),
  );
  console.log('calls  late%   lost%  calls per node  cpu% per node  others% (node CPUs)  phones  KiB/call  INVITE->200 ms (p50/p99)  refused');
  const fits = (count: number) => performance.now() - began + SECONDS * 1000 + Math.abs(count - live.length) * SETUP_MS_PER_CALL + 1500 < BUDGET_S * 1000;
  // The memory step gives each node MEMORY_CALLS calls (RSS is read from outside, without a GC:
  // more calls keep the noise per call down), and doubling starts there: those calls are up.
  const memoryCalls = MEMORY_CALLS * nodeCount;
  const { best, memory, bracket } = await searchCapacity(step, { maxCalls, fits, memoryCalls, firstCalls: memoryCalls });
  return { nodes: nodeCount, pinned, best, memory, bracket, steps, setupMs: allSetupMs, seconds: (performance.now() - began) / 1000 };
}

function printStep(r: ClusterStep): void {
  console.log(
    [
      String(r.calls).padStart(5),
      fixed(r.latePercent, 2).padStart(6),
      fixed(r.lostPercent, 2).padStart(7),
      r.callsPerNode.join(' / ').padStart(15),
      r.nodeCpu.map((c) => fixed(c, 0)).join(' / ').padStart(14),
      r.othersCpu.map((c) => fixed(c, 0)).join(' / ').padStart(19),
      fixed(r.phonesCpu, 0).padStart(7),
      fixed(r.rssPerCallKiB, 0).padStart(9),
      `${fixed(percentile(r.setupMs, 0.5))}/${fixed(percentile(r.setupMs, 0.99))}`.padStart(25),
      String(r.refused).padStart(8),
    ].join(' '),
  );
}

const one = await measure(1);
const two = await measure(2);

const cell = (run: ClusterRun, value: (best: ClusterStep) => string) => (run.best ? value(run.best) : '-');
/**
 * What the nodes would carry with a full core each, from the CPU their calls took rather than
 * from where other load made packets late: a line through (calls, CPU) of every node at every
 * step that passed (so the node did all its calls' work: an overloaded one does less and
 * looks cheaper), extended to a full core, times the nodes.
 */
function atFullCpu(run: ClusterRun): { calls: number; points: number } {
  const points = run.steps.filter((s) => s.latePercent <= MAX_LATE_PERCENT).flatMap((s) => s.nodeCpu.map((cpu, i) => [s.callsPerNode[i]!, cpu] as const));
  const { intercept, slope } = linearFit(points);
  return { calls: ((100 - intercept) / slope) * run.nodes, points: points.length };
}
const [oneAtFull, twoAtFull] = [atFullCpu(one), atFullCpu(two)];
const atFullCell = (estimate: { calls: number; points: number }) => `${fixed(estimate.calls, 0)} (${estimate.points} points)`;
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${fixed(b / a, 2)}x` : '-');
const cpus = (run: ClusterRun) => (run.pinned ? ` (${run.nodes === 1 ? 'CPU 0' : 'CPU 0, 1'})` : '');
printTable(
  `cluster capacity: PCMU both ways with in-band DTMF detection, calls set up through Kamailio, under ${MAX_LATE_PERCENT}% late (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores: other load lowers the numbers)`,
  ['', `1 node${cpus(one)}`, `2 nodes${cpus(two)}`, '2 nodes vs 1'],
  [
    ['calls carried', `${cell(one, (b) => String(b.calls))} (${one.bracket})`, `${cell(two, (b) => String(b.calls))} (${two.bracket})`, `${ratio(one.best?.calls, two.best?.calls)} (goal >= 1.8x)`],
    ['calls per node', cell(one, (b) => b.callsPerNode.join(' / ')), cell(two, (b) => b.callsPerNode.join(' / ')), ''],
    ['late / lost packets', cell(one, lateCell), cell(two, lateCell), ''],
    ['CPU per node (gateway process + worker)', cell(one, cpuCell), cell(two, cpuCell), ''],
    ['CPU: everything else on the nodes\' CPUs (the phones, other work)', cell(one, othersCell), cell(two, othersCell), ''],
    ['CPU: the phones (shared load)', cell(one, (b) => `${fixed(b.phonesCpu, 0)}%`), cell(two, (b) => `${fixed(b.phonesCpu, 0)}%`), ''],
    ['calls with a full core per node (CPU-bound estimate)', atFullCell(oneAtFull), atFullCell(twoAtFull), ratio(oneAtFull.calls, twoAtFull.calls)],
    ['memory per call: nodes\' RSS (memory step)', memoryCell(one.memory), memoryCell(two.memory), ''],
    ['INVITE -> 200 OK through Kamailio p50 / p99 (every call)', setupCell(one.setupMs), setupCell(two.setupMs), ''],
    ['time taken', `${fixed(one.seconds, 0)} s`, `${fixed(two.seconds, 0)} s`, ''],
  ],
);

function lateCell(b: ClusterStep): string {
  return `${fixed(b.latePercent, 2)}% / ${fixed(b.lostPercent, 2)}%`;
}
function cpuCell(b: ClusterStep): string {
  return b.nodeCpu.map((c) => `${fixed(c, 0)}%`).join(' / ');
}
function othersCell(b: ClusterStep): string {
  return b.othersCpu.map((c) => `${fixed(c, 0)}%`).join(' / ');
}
function memoryCell(b: ClusterStep): string {
  return `${fixed(b.rssPerCallKiB, 0)} KiB (${b.calls} calls)`;
}
function setupCell(ms: number[]): string {
  return `${fixed(percentile(ms, 0.5))} / ${fixed(percentile(ms, 0.99))} ms (${ms.length} calls)`;
}
