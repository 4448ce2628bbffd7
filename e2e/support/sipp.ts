/** Calls the camera with sipp (Debian `sip-tester`): SIP requests exactly as a scenario writes them. */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import path from 'node:path';
import { promisify } from 'node:util';
import { SIP_PORT } from './environment.ts';

/** The sipp scenarios of ./sipp. */
export const SIPP_SCENARIOS = {
  /** A caller whose display name and address carry HTML; the camera refuses it (403). */
  hostileCaller: path.join(import.meta.dirname, 'sipp', 'hostile-caller.xml'),
} as const;

/** The camera's caller text for `hostileCaller`: its SIP address, as the gateway presents it. */
export const HOSTILE_CALLER = 'sip:&lt;img/src=x/onerror=alert(1)&gt;@127.0.0.1';

/** Runs one call of `scenario` against the camera over UDP; rejects when sipp reports a failure. */
export async function callWithSipp(scenario: string): Promise<void> {
  const args = [
    `127.0.0.1:${SIP_PORT}`,
    ...['-sf', scenario, '-s', 'camera', '-m', '1', '-t', 'u1'],
    ...['-i', '127.0.0.1', '-p', String(await freeUdpPort())],
    ...['-nostdin', '-timeout', '20s', '-timeout_error'],
  ];
  try {
    await promisify(execFile)('sipp', args, { timeout: 30_000 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`sipp ${path.basename(scenario)} failed: ${(error as Error).message}\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`);
  }
}

async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}
