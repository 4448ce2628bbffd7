// `npm run cluster`: a local cluster on this one machine, each part on its own loopback
// address: Kamailio (deploy/kamailio/kamailio.cfg) on 127.0.0.10:5060 in front of N gateway
// nodes on 127.0.0.11, .12, ... (SIP 5060, web 8081, 8082, ...), each with its own data
// directory under --data-dir (default ./data-cluster). With --postgres and --redis it also
// starts Debian's PostgreSQL and Redis on 127.0.0.1 and hands them to every node
// (--database, --redis). Ctrl-C stops everything.
//
//   npm run cluster -- --nodes 3 --postgres --redis
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadEnv } from './env.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KAMAILIO_CFG = path.join(ROOT, 'deploy', 'kamailio', 'kamailio.cfg');
const PROXY_HOST = '127.0.0.10';
const SIP_PORT = 5060;
const FIRST_HTTP_PORT = 8081;
const POSTGRES_PORT = 55432;
const REDIS_PORT = 56379;
const MAX_NODES = 8;

const { values: options } = parseArgs({
  options: {
    nodes: { type: 'string', default: '2' },
    postgres: { type: 'boolean', default: false },
    redis: { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: './data-cluster' },
  },
  strict: true,
});
const nodeCount = Number(options.nodes);
if (!Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > MAX_NODES) {
  console.error(`cluster: --nodes must be a whole number from 1 to ${MAX_NODES}, not ${options.nodes}`);
  process.exit(2);
}
const dataDir = path.resolve(options['data-dir']);
fs.mkdirSync(dataDir, { recursive: true });

/** Every program started, stopped in reverse order. */
const children = [];
let stopping = false;

function start(name, command, args, spawnOptions = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions });
  const entry = { name, child, output: '' };
  const prefix = (chunk) => {
    entry.output += chunk;
    for (const line of chunk.toString().split('\n')) if (line.trim() !== '') process.stdout.write(`[${name}] ${line}\n`);
  };
  child.stdout.on('data', prefix);
  child.stderr.on('data', prefix);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`cluster: ${name} exited (${code ?? signal}); stopping the cluster`);
    void stopAll(1);
  });
  children.push(entry);
  return entry;
}

async function stopAll(exitCode) {
  if (stopping) return;
  stopping = true;
  for (const { name, child } of children.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
    console.log(`cluster: ${name} stopped`);
  }
  process.exit(exitCode);
}

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void stopAll(0));

async function listening(host, port, timeoutMs, name) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect({ host, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} did not listen on ${host}:${port}`);
}

/** Debian's PostgreSQL binaries (postgresql-<version>), newest version first. */
function postgresBin(program) {
  const versions = fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('PostgreSQL is not installed: run npm run setup');
  return path.join('/usr/lib/postgresql', versions[0], 'bin', program);
}

/** PostgreSQL refuses to run as root: as root, its programs run as Debian's `postgres` user. */
function asPostgresUser(command, args) {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

async function startPostgres() {
  const dir = path.join(dataDir, 'postgres');
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    fs.mkdirSync(dir, { recursive: true });
    if (process.getuid?.() === 0) spawnSync('chown', ['postgres:postgres', dir]);
    const [command, args] = asPostgresUser(postgresBin('initdb'), ['-D', dir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8']);
    const init = spawnSync(command, args, { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`initdb failed:\n${init.stdout}${init.stderr}`);
  }
  const [command, args] = asPostgresUser(postgresBin('postgres'), ['-D', dir, '-p', String(POSTGRES_PORT), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`]);
  start('postgres', command, args);
  await listening('127.0.0.1', POSTGRES_PORT, 30_000, 'PostgreSQL');
  // Exists already after the first run: its error is expected then.
  spawnSync(postgresBin('createdb'), ['-h', '127.0.0.1', '-p', String(POSTGRES_PORT), '-U', 'postgres', 'camgate'], { encoding: 'utf8' });
  return `postgres://postgres@127.0.0.1:${POSTGRES_PORT}/camgate`;
}

async function startRedis() {
  const dir = path.join(dataDir, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  start('redis', 'redis-server', ['--bind', '127.0.0.1', '--port', String(REDIS_PORT), '--dir', dir, '--save', '60 1', '--appendonly', 'no']);
  await listening('127.0.0.1', REDIS_PORT, 15_000, 'Redis');
  return `redis://127.0.0.1:${REDIS_PORT}`;
}

function nodeOf(index) {
  const host = `127.0.0.${11 + index}`;
  return { name: `node-${index + 1}`, host, httpPort: FIRST_HTTP_PORT + index, dataDir: path.join(dataDir, `node-${index + 1}`) };
}

async function startNode(node, shared) {
  fs.mkdirSync(node.dataDir, { recursive: true });
  const args = [
    '--import', 'tsx', 'packages/gateway/src/main.ts',
    '--data-dir', node.dataDir, '--sip-host', node.host, '--sip-port', String(SIP_PORT), '--announced-ip', node.host,
    '--http-host', node.host, '--http-port', String(node.httpPort),
    '--sip-trusted-proxy', PROXY_HOST, '--workers', '1', '--audio-threads', '1',
    ...(shared.database ? ['--database', shared.database] : []),
    ...(shared.redis ? ['--redis', shared.redis] : []),
  ];
  const entry = start(node.name, process.execPath, args, { cwd: ROOT, env: loadEnv() });
  const deadline = Date.now() + 90_000;
  while (!entry.output.includes('camgate is running')) {
    if (entry.child.exitCode !== null) throw new Error(`${node.name} did not start`);
    if (Date.now() > deadline) throw new Error(`${node.name} did not start within 90 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function startKamailio(nodes) {
  const dir = path.join(dataDir, 'kamailio');
  fs.mkdirSync(dir, { recursive: true });
  const list = path.join(dir, 'dispatcher.list');
  fs.writeFileSync(list, `# written by npm run cluster\n${nodes.map((node) => `1 sip:${node.host}:${SIP_PORT}\n`).join('')}`);
  start('kamailio', '/usr/sbin/kamailio', [
    '-f', KAMAILIO_CFG, '-l', `udp:${PROXY_HOST}:${SIP_PORT}`, '-l', `tcp:${PROXY_HOST}:${SIP_PORT}`,
    '-A', `DISPATCHER_LIST="${list}"`, '-DD', '-E', '-w', dir, '-Y', dir, '-P', path.join(dir, 'kamailio.pid'), '-m', '64', '-M', '8',
  ]);
  await listening(PROXY_HOST, SIP_PORT, 15_000, 'Kamailio');
}

try {
  const shared = {
    ...(options.postgres && { database: await startPostgres() }),
    ...(options.redis && { redis: await startRedis() }),
  };
  const nodes = Array.from({ length: nodeCount }, (_, index) => nodeOf(index));
  await Promise.all(nodes.map((node) => startNode(node, shared)));
  await startKamailio(nodes);
  console.log(
    [
      '',
      `camgate cluster: Kamailio on ${PROXY_HOST}:${SIP_PORT} in front of ${nodeCount} node(s)`,
      `  call:  sip:camera@${PROXY_HOST}`,
      ...nodes.map((node) => `  ${node.name}: http://${node.host}:${node.httpPort}/  (SIP ${node.host}:${SIP_PORT}, data ${node.dataDir})`),
      ...(shared.database ? [`  PostgreSQL: ${shared.database}`] : []),
      ...(shared.redis ? [`  Redis: ${shared.redis}`] : []),
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
} catch (error) {
  console.error(`cluster: ${error.message}`);
  await stopAll(1);
}
