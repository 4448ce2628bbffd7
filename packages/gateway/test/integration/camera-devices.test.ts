import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { CameraEvent, CameraStatus } from '@camgate/protocol';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { freeTcpPort } from '../support/ports.ts';

/** A tiny PNG-looking image a "real camera" serves. */
const CAMERA_IMAGE = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

describe('the camera around the call, on real hardware through adapters', () => {
  let gw: TestGateway | undefined;
  const servers: Server[] = [];
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    for (const server of servers.splice(0)) server.close();
  });

  it('takes event pictures from a real camera\'s snapshot URL and reports the Internet probe', async () => {
    const camera = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(CAMERA_IMAGE));
    const reachable = createServer((_req, res) => res.end());
    servers.push(camera, reachable);
    const cameraPort = await listen(camera);
    const probePort = await listen(reachable);
    gw = await startTestGateway([
      '--snapshot-url', `http://127.0.0.1:${cameraPort}/snapshot.png`,
      '--internet-probe', `127.0.0.1:${probePort}`,
    ]);

    await gw.api('POST', '/api/cameras/camera/outputs/light/trigger');
    const [event] = await eventually(async () => {
      const events = await gw!.api<CameraEvent[]>('GET', '/api/cameras/camera/events');
      return events.length > 0 && events;
    }, 10_000, 'the light event');
    expect(event!.hasImage).toBe(true);
    const image = await fetch(`${gw.baseUrl}/api/cameras/camera/events/${event!.id}/image`, { headers: { cookie: gw.cookie } });
    expect(Buffer.from(await image.arrayBuffer())).toEqual(CAMERA_IMAGE);

    await eventually(async () => (await gw!.api<CameraStatus>('GET', '/api/cameras/camera/status')).internet === 'online', 10_000, 'online');
  });

  it('says the Internet connection is offline when the probe target does not answer', async () => {
    gw = await startTestGateway(['--internet-probe', `127.0.0.1:${await freeTcpPort()}`]);
    await eventually(async () => (await gw!.api<CameraStatus>('GET', '/api/cameras/camera/status')).internet === 'offline', 10_000, 'offline');
  });
});
