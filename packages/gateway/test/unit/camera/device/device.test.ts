import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { pino } from 'pino';
import { ActionProfileSchema, FACTORY_SETTINGS } from '@camgate/protocol';
import { ActionRunner } from '../../../../src/camera/device/action-runner.ts';
import { TcpInternetProbe, type InternetStatus } from '../../../../src/camera/device/internet-probe.ts';
import { ERROR_SHOW_MS, LedIndicator } from '../../../../src/camera/device/led-indicator.ts';
import { Output } from '../../../../src/camera/device/output.ts';
import {
  HttpSnapshotSource,
  SimulatedSnapshotSource,
  snapshotTimestamp,
  SNAPSHOT_HEIGHT,
  SNAPSHOT_WIDTH,
} from '../../../../src/camera/device/snapshot-source.ts';
import { FakeClock } from '../../../../src/core/clock.ts';
import { createLogger } from '../../../../src/core/logger.ts';

const logger = createLogger('silent');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen<T extends Server | HttpServer>(server: T): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('outputs and action profiles ("Trigger signal out action profile")', () => {
  it('pulse: on for its duration, then off; a new pulse restarts the time', () => {
    const clock = new FakeClock();
    const door = new Output('door', clock);
    cleanups.push(() => door.close());
    const runner = new ActionRunner(logger);
    runner.run(door, { mode: 'pulse', durationSeconds: 3, httpUrl: '' }, 'test');
    clock.advance(2000);
    runner.run(door, { mode: 'pulse', durationSeconds: 3, httpUrl: '' }, 'test');
    clock.advance(2999);
    expect(door.state.active).toBe(true);
    clock.advance(1);
    expect(door.state).toEqual({ name: 'door', active: false, changedAt: clock.now(), offAt: null });
    expect(door.history.map((h) => [h.active, h.cause])).toEqual([[true, 'test'], [false, 'pulse end']]);
  });

  it('toggle, on and off', () => {
    const clock = new FakeClock();
    const light = new Output('light', clock);
    cleanups.push(() => light.close());
    const runner = new ActionRunner(logger);
    const changes: boolean[] = [];
    light.on('change', (state) => changes.push(state.active));
    for (const mode of ['toggle', 'toggle', 'on', 'on', 'off'] as const) runner.run(light, { mode, durationSeconds: null, httpUrl: '' }, 'test');
    expect(changes).toEqual([true, false, true, false]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a toggle has no duration: it stays on with no off time, and its settings drop a stale one', () => {
    const clock = new FakeClock();
    const light = new Output('light', clock);
    cleanups.push(() => light.close());
    const runner = new ActionRunner(logger);
    // Settings stored by older versions carry a duration on a toggle; the schema drops it.
    const profile = ActionProfileSchema.parse({ mode: 'toggle', durationSeconds: 60, httpUrl: '' });
    expect(profile.durationSeconds).toBeNull();
    expect(FACTORY_SETTINGS.actions.light.durationSeconds).toBeNull();
    runner.run(light, profile, 'test');
    expect(light.state).toMatchObject({ active: true, offAt: null });
    clock.advance(25 * 60_000);
    expect(light.state.active).toBe(true);
    expect(ActionProfileSchema.safeParse({ mode: 'pulse', durationSeconds: null, httpUrl: '' }).success).toBe(false);
  });

  it('a timed "on" reports when it ends and switches off at that time; a toggle meanwhile ends the timer', () => {
    const clock = new FakeClock();
    const light = new Output('light', clock);
    cleanups.push(() => light.close());
    const runner = new ActionRunner(logger);
    const states: (number | null)[] = [];
    light.on('change', (state) => states.push(state.offAt));
    runner.run(light, { mode: 'on', durationSeconds: 60, httpUrl: '' }, 'test');
    const offAt = clock.now() + 60_000;
    expect(light.state).toMatchObject({ active: true, offAt });
    clock.advance(59_999);
    expect(light.state.active).toBe(true);
    clock.advance(1);
    expect(light.state).toMatchObject({ active: false, offAt: null });
    expect(states).toEqual([offAt, null]);

    runner.run(light, { mode: 'on', durationSeconds: 60, httpUrl: '' }, 'test');
    runner.run(light, { mode: 'toggle', durationSeconds: null, httpUrl: '' }, 'test');
    expect(light.state).toMatchObject({ active: false, offAt: null });
    expect(clock.pendingTimers).toBe(0);
  });

  it('calls the profile URL with GET; a failing URL is logged and changes nothing else', async () => {
    const requests: string[] = [];
    const port = await listen(
      createHttpServer((request: IncomingMessage, response) => {
        requests.push(`${request.method} ${request.url}`);
        response.statusCode = request.url === '/broken' ? 500 : 200;
        response.end('ok');
      }),
    );
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
    const runner = new ActionRunner(pino({ base: undefined }, sink), 2000);
    const door = new Output('door', new FakeClock());
    runner.run(door, { mode: 'on', durationSeconds: 1, httpUrl: `http://127.0.0.1:${port}/relay?on=1` }, 'test');
    runner.run(door, { mode: 'on', durationSeconds: 1, httpUrl: `http://127.0.0.1:${port}/broken` }, 'test');
    runner.run(door, { mode: 'on', durationSeconds: 1, httpUrl: `http://127.0.0.1:${await closedPort()}/` }, 'test');
    await runner.settled();
    expect(requests.sort()).toEqual(['GET /broken', 'GET /relay?on=1']);
    expect(lines.map((l) => l.msg).sort()).toEqual(['action URL answered with an error', 'action URL called', 'action URL failed']);
    expect(door.state.active).toBe(true);
  });

  it('a URL that never answers is given up after the timeout', async () => {
    const port = await listen(createHttpServer(() => undefined));
    const runner = new ActionRunner(logger, 200);
    const started = Date.now();
    runner.run(new Output('door', new FakeClock()), { mode: 'on', durationSeconds: 1, httpUrl: `http://127.0.0.1:${port}/hang` }, 'test');
    await runner.settled();
    expect(Date.now() - started).toBeLessThan(5000);
    runner.close();
  });
});

describe('Internet connection status (key 0: "Status of the Internet connection")', () => {
  it('is online when the target accepts a TCP connection, offline when not, refreshed periodically', async () => {
    const server = createServer((socket) => socket.destroy());
    const port = await listen(server);
    const clock = new FakeClock();
    const probe = new TcpInternetProbe({ host: '127.0.0.1', port }, clock, logger, { intervalMs: 60_000, timeoutMs: 2000 });
    cleanups.push(() => probe.close());
    const changes: InternetStatus[] = [];
    probe.on('change', (status) => changes.push(status));
    expect(probe.status).toBe('unknown');
    expect(await probe.start()).toBe('online');

    await new Promise<void>((resolve) => server.close(() => resolve()));
    const offline = probe.waitFor('change');
    clock.advance(60_000);
    await offline;
    expect(changes).toEqual(['online', 'offline']);
  });

  it('is offline for a closed port and stops probing when closed', async () => {
    const clock = new FakeClock();
    const probe = new TcpInternetProbe({ host: '127.0.0.1', port: await closedPort() }, clock, logger);
    expect(await probe.check()).toBe('offline');
    expect(await probe.start()).toBe('offline');
    expect(clock.pendingTimers).toBe(1);
    probe.close();
    probe.close();
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('LEDs over all calls ("LED Signals When in VoIP Mode")', () => {
  it('shows the most engaged call, idle when none, and error briefly', () => {
    const clock = new FakeClock();
    const led = new LedIndicator(clock);
    const seen: string[] = [];
    led.on('led', (state) => seen.push(state));
    led.setCall('a', 'ringing');
    led.setCall('b', 'connected');
    led.setCall('a', 'pin');
    expect(led.state).toBe('connected');
    led.setCall('b', 'executing');
    led.flashError();
    expect(led.state).toBe('error');
    clock.advance(ERROR_SHOW_MS);
    expect(led.state).toBe('executing');
    led.setCall('b', null);
    led.setCall('a', null);
    expect(seen).toEqual(['ringing', 'connected', 'executing', 'error', 'executing', 'pin', 'idle']);
    led.close();
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('event snapshots', () => {
  const pixel = (png: PNG, x: number, y: number) => [...png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3)];
  const stampDiffers = (a: PNG, b: PNG) => {
    for (let y = SNAPSHOT_HEIGHT - 20; y < SNAPSHOT_HEIGHT; y++)
      for (let x = 0; x < SNAPSHOT_WIDTH; x++) if (pixel(a, x, y).join() !== pixel(b, x, y).join()) return true;
    return false;
  };

  it('the simulated camera renders a timestamped PNG that shows the door and the light', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 26, 14, 5, 9));
    const scene = { doorOpen: false, lightOn: false };
    const source = new SimulatedSnapshotSource(clock, () => scene, () => 'UTC');
    expect(snapshotTimestamp(clock.now(), 'UTC')).toBe('2026-11-26 14:05:09');
    const first = await source.capture();
    expect(first.contentType).toBe('image/png');
    const a = PNG.sync.read(first.data);
    expect([a.width, a.height]).toEqual([SNAPSHOT_WIDTH, SNAPSHOT_HEIGHT]);

    clock.advance(1000);
    const b = PNG.sync.read(source.render());
    expect(stampDiffers(a, b)).toBe(true);

    scene.doorOpen = true;
    scene.lightOn = true;
    const c = PNG.sync.read(source.render());
    expect(pixel(c, 160, 150)).not.toEqual(pixel(b, 160, 150)); // door
    expect(pixel(c, 200, 95)).not.toEqual(pixel(b, 200, 95)); // lamp
  });

  it('a real camera\'s snapshot is fetched over HTTP; non-images and errors are refused', async () => {
    const port = await listen(
      createHttpServer((request, response) => {
        if (request.url === '/current.jpg') {
          response.setHeader('content-type', 'image/jpeg');
          response.end(Buffer.from([0xff, 0xd8, 0xff]));
        } else {
          response.setHeader('content-type', 'text/html');
          response.end('<h1>login</h1>');
        }
      }),
    );
    expect(await new HttpSnapshotSource(`http://127.0.0.1:${port}/current.jpg`).capture()).toEqual({
      data: Buffer.from([0xff, 0xd8, 0xff]),
      contentType: 'image/jpeg',
    });
    await expect(new HttpSnapshotSource(`http://127.0.0.1:${port}/login`).capture()).rejects.toThrow(/text\/html/);
    await expect(new HttpSnapshotSource(`http://127.0.0.1:${await closedPort()}/x`).capture()).rejects.toThrow();
  });
});
