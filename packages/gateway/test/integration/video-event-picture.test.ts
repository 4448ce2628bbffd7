/**
 * Issue #10: event pictures (User Click, key 5, the event list) come from the live video
 * while a source runs: a JPEG decoded from the camera's stream, whose burnt-in capture time
 * is the moment of the event; without a running source, the simulated bitmap as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CameraEvent } from '@camgate/protocol';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { burntInTimestamp, lumaOf, lumaSpread } from '../support/still-frame.ts';

const TIMESTAMP_MODULO = 2 ** 40;

async function eventPicture(gw: TestGateway): Promise<{ contentType: string; data: Buffer }> {
  await gw.api('POST', '/api/cameras/camera/outputs/light/trigger');
  const [event] = await eventually(async () => {
    const events = await gw.api<CameraEvent[]>('GET', '/api/cameras/camera/events');
    return events.length > 0 && events;
  }, 15_000, 'the light event');
  expect(event!.hasImage).toBe(true);
  const response = await fetch(`${gw.baseUrl}/api/cameras/camera/events/${event!.id}/image`, { headers: { cookie: gw.cookie } });
  return { contentType: response.headers.get('content-type') ?? '', data: Buffer.from(await response.arrayBuffer()) };
}

describe('event pictures', () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('are grabbed from the live video while it runs: a frame of the scene taken at the event', async () => {
    gw = await startTestGateway(['--video-always-on']);
    await eventually(async () => (await gw!.api<{ video: { state: string } }>('GET', '/api/cameras/camera/status')).video.state === 'running', 15_000, 'the video');
    const before = Date.now();
    const picture = await eventPicture(gw);
    expect(picture.contentType).toBe('image/jpeg');
    const frame = lumaOf(picture.data);
    expect(frame).toMatchObject({ width: 640, height: 360 });
    expect(lumaSpread(frame.pixels)).toBeGreaterThan(20);
    const taken = burntInTimestamp(frame);
    expect(taken).toBeGreaterThan((before - 1000) % TIMESTAMP_MODULO);
    expect(taken).toBeLessThanOrEqual(Date.now() % TIMESTAMP_MODULO);
  }, 40_000);

  it('are the simulated bitmap when no video runs', async () => {
    gw = await startTestGateway();
    const picture = await eventPicture(gw);
    expect(picture.contentType).toBe('image/png');
    expect(lumaOf(picture.data)).toMatchObject({ width: 320, height: 240 });
  }, 30_000);
});
