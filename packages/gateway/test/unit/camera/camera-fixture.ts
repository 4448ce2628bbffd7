import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { FACTORY_SETTINGS, type IncomingCallsSettings } from '@camgate/protocol';
import { pino } from 'pino';
import { Camera, type CameraOptions } from '../../../src/camera/camera.ts';
import type { CameraCall } from '../../../src/camera/camera-call.ts';
import type { IncomingCall } from '../../../src/camera/call-port.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { Store } from '../../../src/store/store.ts';
import { FakeCallPort } from './fake-call-port.ts';

/** Thursday, 26 November 2026, 14:05 UTC. */
export const START = Date.UTC(2026, 10, 26, 14, 5, 0);

/** Lets promise chains and I/O callbacks run (the clock is fake, the database and sockets are not). */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

export function incoming(callId: string, overrides: Partial<IncomingCall> & { uri?: string } = {}): IncomingCall {
  const { uri = 'sip:+4930123456@provider.example;user=phone', ...rest } = overrides;
  return {
    callId,
    caller: { uri, displayName: 'Alice', transport: 'udp' },
    requestUser: 'camera',
    sourceAddress: '192.0.2.10',
    ...rest,
  };
}

/** A camera on a fresh database with a fake clock, its log lines captured, the Internet probe pointed at a local server. */
export async function createCameraFixture(options: Partial<CameraOptions> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'camgate-camera-'));
  const logLines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  // No redaction here: the test must prove the camera itself never logs a PIN.
  const logger = pino({ level: 'info', base: undefined }, sink);
  const clock = new FakeClock(START);
  const internetServer: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => internetServer.listen(0, '127.0.0.1', resolve));
  const internetPort = (internetServer.address() as { port: number }).port;
  const database = await Store.open(dataDir, logger);
  const store = await database.camera('camera');
  await store.audioMessages.putBuiltin({ id: 'welcome', name: 'Welcome', durationMs: 2000, wav: Buffer.from('RIFF') }, START);
  const camera = new Camera({
    store,
    clock,
    logger,
    internetTarget: { host: '127.0.0.1', port: internetPort },
    ...options,
  });

  const configure = (patch: Partial<IncomingCallsSettings>) => camera.settings.set({ ...FACTORY_SETTINGS, ...patch });

  /** Places a call that the camera accepts and answers; returns once the welcome plays (or the next step began). */
  const call = async (callId: string, overrides: Parameters<typeof incoming>[1] = {}) => {
    const port = new FakeCallPort(callId);
    const request = incoming(callId, overrides);
    const decision = camera.decide(request);
    if (!decision.accept) throw new Error(`call refused: ${decision.reason}`);
    const cameraCall: CameraCall = camera.startCall(port, request);
    clock.advance(camera.settings.running.ringSeconds * 1000);
    await settle();
    return { port, call: cameraCall };
  };

  /** Types keys one after another (RFC 4733) and lets the camera react. */
  const press = async (target: CameraCall, keys: string) => {
    for (const key of keys) {
      target.key(key as Parameters<CameraCall['key']>[0], 'rfc4733');
      await settle();
    }
  };

  const close = async () => {
    camera.close();
    await database.close();
    await new Promise((resolve) => internetServer.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  };

  return { dataDir, store, camera, clock, logger, logLines, configure, call, press, close, internetPort };
}

export type CameraFixture = Awaited<ReturnType<typeof createCameraFixture>>;
