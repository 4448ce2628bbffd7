/**
 * Issue #10 for SIP video phones: baresip with H.264 (Debian baresip-ffmpeg, packetization-mode
 * 1) and linphonec with H.264 (openh264, packetization-mode 0 only) call the camera and get
 * the simulated scene in the same call (m=video sendonly from the camera, no transcoding);
 * the frame each saves is a real picture whose burnt-in timestamp decodes. An audio-only
 * baresip keeps its plain audio call.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CameraStatus, SettingsView } from '@camgate/protocol';
import { Baresip } from '../support/baresip.ts';
import { Linphonec } from '../support/linphone.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { burntInTimestamp, lumaOf, lumaSpread } from '../support/still-frame.ts';

const TIMESTAMP_MODULO = 2 ** 40;
describe('SIP video phones (baresip, linphonec + H.264) call the camera', () => {
  let gw: TestGateway;
  const phones: Baresip[] = [];

  beforeAll(async () => {
    gw = await startTestGateway(['--camera-name', 'front door']);
    const view = await gw.api<SettingsView>('GET', '/api/cameras/camera/settings');
    await gw.api('PUT', '/api/cameras/camera/settings', { ...view.running, acceptedCallers: ['sip:baresip@127.0.0.1', 'sip:linphone@127.0.0.1'], audioMode: 'none' });
  }, 60_000);

  afterEach(async () => {
    for (const phone of phones.splice(0)) await phone.close();
    await eventually(async () => (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls.length === 0, 10_000, 'calls gone');
  });

  afterAll(async () => {
    await gw?.close();
  });

  it('receives the scene: the saved frame is a picture and its burnt-in capture time is recent', async () => {
    const phone = await Baresip.start({ video: true });
    phones.push(phone);
    const calledAt = Date.now();
    await phone.dial(gw.sipUri);
    await phone.waitForEvent('CALL_ESTABLISHED');
    // The first key frame comes within the 1 s GOP (the resume asks for one at once).
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const frame = lumaOf(await readFile(await phone.snapshotReceived()));
    expect(frame.width).toBe(640);
    expect(lumaSpread(frame.pixels)).toBeGreaterThan(20);
    const timestamp = burntInTimestamp(frame);
    expect(timestamp).toBeGreaterThan((calledAt - 1000) % TIMESTAMP_MODULO);
    expect(timestamp).toBeLessThanOrEqual((Date.now() + 1000) % TIMESTAMP_MODULO);
    await phone.hangup();
    await phone.waitForEvent('CALL_CLOSED');
  }, 40_000);

  it('linphonec with video (H.264 packetization-mode 0 only) receives the scene: its saved frame is a picture with a recent burnt-in time', async () => {
    const phone = await Linphonec.start({ video: true });
    try {
      const calledAt = Date.now();
      await phone.call(gw.sipUri);
      // The first key frame comes within the 1 s GOP; openh264 decodes from there.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const frame = lumaOf(await readFile(await phone.snapshotReceived()));
      expect(frame.width).toBe(640);
      expect(lumaSpread(frame.pixels)).toBeGreaterThan(20);
      const timestamp = burntInTimestamp(frame);
      expect(timestamp).toBeGreaterThan((calledAt - 1000) % TIMESTAMP_MODULO);
      expect(timestamp).toBeLessThanOrEqual((Date.now() + 1000) % TIMESTAMP_MODULO);
      await phone.terminate();
    } finally {
      await phone.close();
    }
  }, 40_000);

  it('an audio-only baresip still gets its audio call', async () => {
    const phone = await Baresip.start();
    phones.push(phone);
    await phone.dial(gw.sipUri);
    await phone.waitForEvent('CALL_ESTABLISHED');
    await eventually(async () => (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls[0]?.phase === 'welcome', 10_000, 'the welcome');
    await phone.hangup();
    await phone.waitForEvent('CALL_CLOSED');
  }, 30_000);
});
