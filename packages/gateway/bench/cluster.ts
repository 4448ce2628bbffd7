/**
 * Several gateways behind Kamailio (issue #12): the call rate the cluster sustains through
 * the dispatcher with one node and with two, side by side.
 *
 *   npx tsx packages/gateway/bench/cluster.ts [secondsPerStep] [holdMs]
 *
 * Each node is a real gateway process (`npm start`'s main.ts) on its own loopback address
 * (127.0.0.11, .12) with one mediasoup worker and one audio thread, trusting Kamailio
 * (127.0.0.10, deploy/kamailio/kamailio.cfg, round robin). The callers are sipp instances on
 * 127.0.1.x: Kamailio limits each caller to 100 requests per 2 s (pike), so the load is
 * spread over CALLERS addresses, as many real callers would be. Every call is answered by a
 * node's camera (welcome message, media session, call log), held `holdMs`, then hung up.
 *
 * Per step (a target rate for `secondsPerStep`): calls offered, answered, failed, the rate
 * achieved and the mean INVITE -> 200 OK time through the proxy. The sustained rate is the
 * highest step with under 1% failed calls. On this 2-core machine Kamailio, sipp and the
 * nodes share the cores: the two-node figure is what one machine can show, not the limit of
 * two machines. The concurrent-call capacity of two nodes against one: cluster-capacity.ts.
 */
import './support/worker-env.ts';

import { GatewayTarget } from '../test/attack/support/target.ts';
import { applySettings, PROXY_HOST } from '../test/support/cluster.ts';
import { Kamailio } from '../test/support/kamailio.ts';
import { runSipp, SIPP_SCENARIOS } from '../test/support/sipp.ts';
import { fixed, printTable } from './support/report.ts';

const SECONDS_PER_STEP = Number(process.argv[2] ?? 8);
const HOLD_MS = Number(process.argv[3] ?? 500);
const NODE_HOSTS = ['127.0.0.11', '127.0.0.12'];
/** Caller addresses: each sends well under Kamailio's per-caller limit at the top rate. */
const CALLERS = 12;
const RATES = [10, 20, 40, 60, 80, 100, 130, 160, 200, 250, 300];
const MAX_FAILED_SHARE = 0.01;

interface Step {
  rate: number;
  offered: number;
  answered: number;
  failed: number;
  achieved: number;
  setupMs: number;
}

async function startNodes(count: number): Promise<GatewayTarget[]> {
  const nodes: GatewayTarget[] = [];
  for (const host of NODE_HOSTS.slice(0, count)) {
    const node = await GatewayTarget.start({
      rtpPorts: 1000,
      flags: [
        ...['--sip-host', host, '--announced-ip', host, '--sip-trusted-proxy', PROXY_HOST],
        ...['--workers', '1', '--audio-threads', '1'],
        // The per-caller quotas stay on; a bench caller stands for many real ones.
        ...['--max-calls-per-source', '1000', '--max-pending-invites-per-source', '1000'],
      ],
    });
    await applySettings(node, { pin: '', acceptedCallers: [], audioMode: 'none' });
    nodes.push(node);
  }
  return nodes;
}

async function runStep(proxy: Kamailio, rate: number): Promise<Step> {
  const perCaller = rate / CALLERS;
  const calls = Math.max(1, Math.round(perCaller * SECONDS_PER_STEP));
  const runs = await Promise.all(
    Array.from({ length: CALLERS }, (_, i) =>
      runSipp({
        scenario: SIPP_SCENARIOS.uacCall,
        target: `${proxy.host}:${proxy.port}`,
        localIp: `127.0.1.${i + 1}`,
        calls,
        rate: perCaller,
        concurrency: 1000,
        pauseMs: HOLD_MS,
        timeoutMs: (SECONDS_PER_STEP + 30) * 1000,
      }),
    ),
  );
  const answered = runs.reduce((sum, run) => sum + (run.successful || 0), 0);
  const failed = runs.reduce((sum, run) => sum + (run.failed || 0), 0);
  const offered = calls * CALLERS;
  const setupMs = runs.reduce((sum, run) => sum + (run.setupMs || 0) * (run.successful || 0), 0) / Math.max(1, answered);
  return { rate, offered, answered, failed: offered - answered || failed, achieved: answered / SECONDS_PER_STEP, setupMs };
}

async function measure(nodeCount: number): Promise<{ steps: Step[]; sustained: number }> {
  const nodes = await startNodes(nodeCount);
  const proxy = await Kamailio.dispatcher({ host: PROXY_HOST, nodes: nodes.map((n, i) => `sip:${NODE_HOSTS[i]}:${n.sipPort}`), pingIntervalS: 5 });
  const steps: Step[] = [];
  try {
    for (const rate of RATES) {
      const step = await runStep(proxy, rate);
      steps.push(step);
      if (step.failed / step.offered > MAX_FAILED_SHARE) break;
      // Calls of the step hang up before the next one starts.
      await new Promise((resolve) => setTimeout(resolve, HOLD_MS + 1000));
    }
  } finally {
    await proxy.close();
    for (const node of nodes) await node.stop();
  }
  const sustained = Math.max(0, ...steps.filter((s) => s.failed / s.offered <= MAX_FAILED_SHARE).map((s) => s.achieved));
  return { steps, sustained };
}

const results = new Map<number, Awaited<ReturnType<typeof measure>>>();
for (const count of [1, 2]) {
  const result = await measure(count);
  results.set(count, result);
  printTable(
    `${count} node(s): calls through Kamailio, held ${HOLD_MS} ms, ${SECONDS_PER_STEP} s per step`,
    ['target/s', 'offered', 'answered', 'failed', 'achieved/s', 'setup ms (mean)'],
    result.steps.map((s) => [String(s.rate), String(s.offered), String(s.answered), String(s.failed), fixed(s.achieved, 1), fixed(s.setupMs, 1)]),
  );
}
const one = results.get(1)!.sustained;
const two = results.get(2)!.sustained;
printTable(
  'Sustained call rate through Kamailio (under 1% failed)',
  ['nodes', 'calls/s', 'vs one node'],
  [
    ['1', fixed(one, 1), '1.00x'],
    ['2', fixed(two, 1), one > 0 ? `${fixed(two / one, 2)}x` : 'n/a'],
  ],
);
