/**
 * Gateway nodes behind a Kamailio dispatcher on loopback, each on its own 127.0.0.x address
 * so the proxy, the nodes and every caller are distinct sources:
 *
 *   const a = await startNode(NODE_A, { trustedProxy: PROXY_HOST });
 *   const proxy = await Kamailio.dispatcher({ host: PROXY_HOST, nodes: [a.dispatcherUri], pingIntervalS: 1 });
 *   await phone.dial(proxiedCameraUri(proxy));
 */
import type { CameraStatus, IncomingCallsSettings, OutputState, SettingsView } from '@camgate/protocol';
import { startTestGateway, type TestGateway } from './gateway.ts';
import type { Kamailio } from './kamailio.ts';

/** The proxy's address (127.0.0.10), the nodes' (127.0.0.11, .12) and the callers' (127.0.0.1, .3, .4). */
export const PROXY_HOST = '127.0.0.10';
export const NODE_A = '127.0.0.11';
export const NODE_B = '127.0.0.12';
/** A caller whose keys must arrive: baresip's RTP leaves from 127.0.0.1 whatever its SIP host (test/attack/support/serving.ts). */
export const CALLER_A = '127.0.0.1';
export const CALLER_B = '127.0.0.3';
export const CALLER_C = '127.0.0.4';

export interface ClusterNode extends TestGateway {
  host: string;
  /** This node as a dispatcher.list destination. */
  dispatcherUri: string;
}

/**
 * A gateway whose SIP and RTP listen on `host` (one media worker, one audio thread: two share
 * 2 cores); `flags` adds more (--database, --redis, --node-id).
 */
export async function startNode(host: string, options: { trustedProxy?: string; flags?: string[] } = {}): Promise<ClusterNode> {
  const gw = await startTestGateway([
    ...['--sip-host', host, '--announced-ip', host, '--workers', '1', '--audio-threads', '1'],
    ...(options.trustedProxy ? ['--sip-trusted-proxy', options.trustedProxy] : []),
    ...(options.flags ?? []),
  ]);
  return Object.assign(gw, { host, dispatcherUri: `sip:${host}:${gw.sipPort}` });
}

/** The default camera as a caller dials it through the proxy. */
export function proxiedCameraUri(proxy: Kamailio): string {
  return `sip:camera@${proxy.host}:${proxy.port}`;
}

/** Anything with the admin REST API: an in-process node or a gateway process (GatewayTarget). */
type AdminApi = Pick<TestGateway, 'api'>;

export async function applySettings(node: AdminApi, change: Partial<IncomingCallsSettings>): Promise<void> {
  const view = await node.api<SettingsView>('GET', '/api/cameras/camera/settings');
  await node.api('PUT', '/api/cameras/camera/settings', { ...view.running, ...change });
}

export async function liveCalls(node: AdminApi): Promise<CameraStatus['calls']> {
  return (await node.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls;
}

export async function doorOpen(node: AdminApi): Promise<boolean> {
  return (await node.api<OutputState[]>('GET', '/api/cameras/camera/outputs')).some((o) => o.name === 'door' && o.active);
}
