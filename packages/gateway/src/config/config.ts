import { availableParallelism, hostname, networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ValidationError } from '../core/errors.ts';
import { LIVE_LIMITS } from '../web/live-server.ts';
import { parseSipUri } from '../sip/message/uri.ts';
import { DEFAULT_MAX_CALLS, DEFAULT_MAX_CALLS_PER_SOURCE, DEFAULT_MAX_PENDING_INVITES_PER_SOURCE } from '../sip/ua/call-admission.ts';
import type { SipLimits } from '../sip/sip-stack.ts';

const port = z.coerce.number().int().min(0).max(65535);
const ip = z.union([z.ipv4(), z.ipv6()]);
const count = z.coerce.number().int().min(1).max(1_000_000);
const seconds = z.coerce.number().min(1).max(86_400);
const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port');
/** A SIP address of record with a user part: `sip:4930123456@provider.example`. */
const aor = z.string().refine((text) => {
  try {
    return parseSipUri(text).user !== undefined;
  } catch {
    return false;
  }
}, 'expected a SIP URI with a user, e.g. sip:4930123456@provider.example');

/** A PostgreSQL connection URL with a host and a database name. */
const postgresUrl = z.string().refine((text) => {
  try {
    const url = new URL(text);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '' && url.pathname.length > 1;
  } catch {
    return false;
  }
}, 'expected postgres://user@host:port/database');

/**
 * Every setting of the gateway process, from flags or environment. The flag name is the
 * key in kebab case (`--http-port`), the variable is CAMGATE_ + upper snake case.
 */
export const ConfigSchema = z
  .object({
    httpHost: ip.default('0.0.0.0'),
    httpPort: port.default(8080),
    sipHost: ip.default('0.0.0.0'),
    sipPort: port.default(5060),
    /** Address put into SDP and Contact; auto-detected from the first non-internal IPv4. */
    announcedIp: ip.optional(),
    rtpPortMin: port.default(20000),
    rtpPortMax: port.default(20999),
    /** UDP/TCP ports of the browser calls' WebRTC transports (and the loopback RTP into mediasoup). */
    webrtcPortMin: port.default(40000),
    webrtcPortMax: port.default(49999),
    /** Seconds without RTP from a SIP phone after which its call is ended. */
    rtpTimeout: z.coerce.number().min(1).max(3600).default(30),
    /** Concurrent calls in all; more get 503 + Retry-After (each holds an RTP port pair). Unset: DEFAULT_MAX_CALLS, or fewer when the RTP range is smaller. */
    maxCalls: z.coerce.number().int().min(1).max(10_000).optional(),
    /** Concurrent calls from one source address; more get 486 + Retry-After. */
    maxCallsPerSource: z.coerce.number().int().min(1).max(10_000).default(DEFAULT_MAX_CALLS_PER_SOURCE),
    /** INVITEs of one source address not yet ACKed; more get 486 + Retry-After. */
    maxPendingInvitesPerSource: z.coerce.number().int().min(1).max(10_000).default(DEFAULT_MAX_PENDING_INVITES_PER_SOURCE),
    dataDir: z.string().min(1).default('./data'),
    /** The shared store of several gateways: postgres://user[:password]@host:port/db. Unset: SQLite in the data directory. */
    database: postgresUrl.optional(),
    /** mediasoup worker processes; each camera's Router goes to the least loaded one. */
    workers: z.coerce.number().int().min(1).max(64).default(availableParallelism()),
    /** Threads running the calls' audio engines (jitter buffer, codecs, DTMF, prompts); calls go to the least loaded. */
    audioThreads: z.coerce.number().int().min(1).max(64).default(availableParallelism()),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** pretty: readable lines; json: one JSON object per line; auto: pretty when stdout is a terminal. */
    logFormat: z.enum(['pretty', 'json', 'auto']).default('auto'),
    /** Name of the default camera `camera`, and its SIP user when it is a valid one (unset: created as "camera", kept as it is later). */
    cameraName: z.string().min(1).max(64).optional(),
    /** The fleet file (JSON or YAML): cameras created or updated at every start. */
    cameras: z.string().min(1).optional(),
    /** Admin password for the first start (otherwise a random one is printed once). */
    adminPassword: z.string().min(8).max(256).optional(),
    /** A real camera's still-image URL for event pictures; unset = the simulated camera's scene. */
    snapshotUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** host:port probed by TCP for "Internet connection status"; unset = unknown. */
    internetProbe: hostPort.optional(),
    /** SIP provider registration: registrar `host` or `host:port` (5060), with username and password. */
    sipRegistrar: z.string().regex(/^[A-Za-z0-9.-]+(?::\d{1,5})?$/, 'expected host or host:port').optional(),
    /** Transport to the registrar, also the one the provider's calls arrive on. */
    sipRegistrarTransport: z.enum(['udp', 'tcp']).default('udp'),
    sipUsername: z.string().min(1).max(256).optional(),
    sipPassword: z.string().min(1).max(256).optional(),
    /** Address of record; default `sip:<username>@<registrar host>`. */
    sipAor: aor.optional(),
    /** TLS for the camera UI (https, wss): the installer's certificate and key files ... */
    tlsCert: z.string().optional(),
    tlsKey: z.string().optional(),
    /** ... or `self-signed`: generated once and kept in the data directory. */
    tls: z.enum(['off', 'self-signed']).default('off'),
    /** socket.io connections without an admin session: all together, and from one address. */
    liveMaxAnonymous: z.coerce.number().int().min(1).max(1_000_000).default(LIVE_LIMITS.maxAnonymous),
    liveMaxAnonymousPerAddress: z.coerce.number().int().min(1).max(1_000_000).default(LIVE_LIMITS.maxAnonymousPerAddress),
    /** Optional WAV looped as the simulated camera microphone. */
    microphoneWav: z.string().optional(),
    /** A real camera's RTSP stream (H.264, pulled over TCP, forwarded unchanged); unset = the simulated scene. */
    videoUrl: z.url({ protocol: /^rtsps?$/ }).optional(),
    /** Keep the video source running without viewers (`--video-always-on`): no start-up wait for the first one. */
    videoAlwaysOn: z.stringbool().default(false),
    /** SIP resource bounds; unset = the stack's defaults (see README, Security). */
    sipMaxConnections: count.optional(),
    sipMaxConnectionsPerAddress: count.optional(),
    /** Seconds a TCP message may take from its first byte to its last (also a new connection's first message). */
    sipMessageTimeout: seconds.optional(),
    /** Seconds without traffic after which a TCP/WebSocket connection is closed. */
    sipIdleTimeout: seconds.optional(),
    /** KiB queued for a TCP/WebSocket peer that does not read before it is disconnected. */
    sipMaxWriteBuffer: z.coerce.number().int().min(64).max(64 * 1024).optional(),
    sipMaxTransactions: count.optional(),
    sipMaxTransactionsPerSource: count.optional(),
    /**
     * SIP proxies in front of the gateway (`--sip-trusted-proxy`, repeatable; the variable
     * comma-separated): exempt from the per-source limits, and their calls' caller and
     * source are taken from P-Asserted-Identity and the Via they recorded.
     */
    sipTrustedProxy: z.array(z.union([z.ipv4(), z.ipv6()], { error: (issue) => `expected an IP address, not ${JSON.stringify(issue.input)}` })).default([]),
    /** Redis shared by several gateways (`redis://host:port`): socket.io across nodes, live camera state, running settings, the digest nonce secret. Unset: one gateway, nothing shared. */
    redis: z.url({ protocol: /^rediss?$/, error: 'expected a redis:// or rediss:// URL' }).optional(),
    /** This gateway's name among several (status, logs); default `<hostname>:<SIP port>`. */
    nodeId: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'expected 1-64 letters, digits, ".", "_", ":" or "-"').optional(),
  })
  .refine((c) => (c.tlsCert === undefined) === (c.tlsKey === undefined), { path: ['tlsCert'], message: 'tls-cert and tls-key go together' })
  .refine((c) => c.rtpPortMin < c.rtpPortMax, { path: ['rtpPortMax'], message: 'must be above rtp-port-min' })
  .refine((c) => c.maxCalls === undefined || c.maxCalls <= rtpPortPairs(c), {
    path: ['maxCalls'],
    message: 'must not exceed the RTP port pairs of rtp-port-min..rtp-port-max',
  })
  .refine((c) => c.webrtcPortMin < c.webrtcPortMax, { path: ['webrtcPortMax'], message: 'must be above webrtc-port-min' })
  .refine((c) => [c.sipRegistrar, c.sipUsername, c.sipPassword].every((v) => v === undefined) || (c.sipRegistrar && c.sipUsername && c.sipPassword), {
    path: ['sipRegistrar'],
    message: 'sip-registrar, sip-username and sip-password go together',
  })
  .refine((c) => c.sipAor === undefined || c.sipRegistrar !== undefined, { path: ['sipAor'], message: 'needs --sip-registrar' });

function rtpPortPairs(c: { rtpPortMin: number; rtpPortMax: number }): number {
  return Math.floor((c.rtpPortMax - c.rtpPortMin + 1) / 2);
}

export type Config = z.infer<typeof ConfigSchema> & { announcedIp: string; dataDir: string; maxCalls: number; nodeId: string };

const KEYS = Object.keys(ConfigSchema.shape) as (keyof z.infer<typeof ConfigSchema>)[];
/** Flags that take no value (`--video-always-on`); their variables say true/false, 1/0, yes/no. */
const SWITCHES = new Set<string>(['videoAlwaysOn']);
/** Flags given once per value (`--sip-trusted-proxy A --sip-trusted-proxy B`); their variables list the values comma-separated. */
const LISTS = new Set<string>(['sipTrustedProxy']);
const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const envName = (key: string) => `CAMGATE_${kebab(key).replace(/-/g, '_').toUpperCase()}`;

/** Reads flags (win) and CAMGATE_* variables; throws ValidationError naming the flag. */
export function loadConfig(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Config {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(KEYS.map((k) => [kebab(k), { type: SWITCHES.has(k) ? ('boolean' as const) : ('string' as const), multiple: LISTS.has(k) }])),
    strict: true,
  });
  const raw: Record<string, unknown> = {};
  for (const key of KEYS) {
    const value = (values as Record<string, string | boolean | string[] | undefined>)[kebab(key)] ?? env[envName(key)];
    if (LISTS.has(key)) raw[key] = listOf(value);
    else if (value !== undefined && value !== '') raw[key] = String(value);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? 'config');
    throw new ValidationError(`--${kebab(key)} (${envName(key)})`, issue.message);
  }
  return {
    ...parsed.data,
    dataDir: resolve(parsed.data.dataDir),
    announcedIp: parsed.data.announcedIp ?? detectAnnouncedIp(),
    maxCalls: parsed.data.maxCalls ?? Math.min(DEFAULT_MAX_CALLS, rtpPortPairs(parsed.data)),
    nodeId: parsed.data.nodeId ?? `${hostname()}:${parsed.data.sipPort}`,
  };
}

/** A list flag's values, or its variable's comma-separated ones. */
function listOf(value: string | boolean | string[] | undefined): string[] {
  if (value === undefined || typeof value === 'boolean') return [];
  return (Array.isArray(value) ? value : value.split(',')).map((item) => item.trim()).filter((item) => item !== '');
}

function detectAnnouncedIp(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** The SipStack `limits` the SIP flags ask for (only those given; the stack's defaults otherwise). */
export function sipLimits(config: Config): SipLimits {
  const ms = (s: number | undefined) => (s === undefined ? undefined : s * 1000);
  const limits = {
    maxConnections: config.sipMaxConnections,
    maxConnectionsPerAddress: config.sipMaxConnectionsPerAddress,
    messageTimeoutMs: ms(config.sipMessageTimeout),
    idleTimeoutMs: ms(config.sipIdleTimeout),
    maxWriteBufferBytes: config.sipMaxWriteBuffer === undefined ? undefined : config.sipMaxWriteBuffer * 1024,
    maxTransactions: config.sipMaxTransactions,
    maxTransactionsPerSource: config.sipMaxTransactionsPerSource,
  };
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
}
