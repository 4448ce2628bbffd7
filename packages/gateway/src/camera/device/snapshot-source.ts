import { PNG } from 'pngjs';
import type { Clock } from '../../core/clock.ts';
import type { StoredImage } from '../../store/event-repository.ts';
import { drawText, GLYPH_HEIGHT, textWidth } from './bitmap-font.ts';

/** Where event images come from: the simulated camera renders one, a real camera is asked over HTTP. */
export interface SnapshotSource {
  capture(): Promise<StoredImage>;
}

export const SNAPSHOT_WIDTH = 320;
export const SNAPSHOT_HEIGHT = 240;

type Rgb = readonly [number, number, number];

/** What the simulated scene shows besides the time: the state of the outputs. */
export interface SceneState {
  doorOpen: boolean;
  lightOn: boolean;
}

/** `YYYY-MM-DD HH:MM:SS` in `timeZone` (default: the system's). */
export function snapshotTimestamp(epochMs: number, timeZone?: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    })
      .formatToParts(new Date(epochMs))
      .map((part) => [part.type, part.value]),
  ) as Record<Intl.DateTimeFormatPartTypes, string>;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/**
 * The simulated camera's picture: a house front with its door and lamp as the outputs
 * set them, and a timestamp bar, so an event image shows when it was taken and what happened.
 */
export class SimulatedSnapshotSource implements SnapshotSource {
  constructor(
    private readonly clock: Clock,
    private readonly scene: () => SceneState,
    /** The camera's time zone (IANA) at the moment of the picture. */
    private readonly timeZone: () => string,
  ) {}

  async capture(): Promise<StoredImage> {
    return { data: this.render(), contentType: 'image/png' };
  }

  render(): Buffer {
    const { doorOpen, lightOn } = this.scene();
    const png = new PNG({ width: SNAPSHOT_WIDTH, height: SNAPSHOT_HEIGHT });
    const plot = (x: number, y: number, [r, g, b]: Rgb) => {
      if (x < 0 || y < 0 || x >= SNAPSHOT_WIDTH || y >= SNAPSHOT_HEIGHT) return;
      const i = (y * SNAPSHOT_WIDTH + x) * 4;
      png.data[i] = r;
      png.data[i + 1] = g;
      png.data[i + 2] = b;
      png.data[i + 3] = 255;
    };
    const fill = (x0: number, y0: number, w: number, h: number, color: Rgb) => {
      for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) plot(x, y, color);
    };

    fill(0, 0, SNAPSHOT_WIDTH, 150, lightOn ? [120, 150, 200] : [40, 50, 80]); // sky
    fill(0, 150, SNAPSHOT_WIDTH, 90, [70, 110, 60]); // ground
    fill(60, 60, 200, 140, [190, 170, 140]); // wall
    fill(140, 110, 40, 90, doorOpen ? [20, 20, 20] : [120, 70, 30]); // door: dark gap when open
    fill(196, 90, 14, 14, lightOn ? [255, 230, 90] : [90, 90, 90]); // lamp

    const stamp = snapshotTimestamp(this.clock.now(), this.timeZone());
    const scale = 3;
    const barHeight = GLYPH_HEIGHT * scale + 8;
    fill(0, SNAPSHOT_HEIGHT - barHeight, SNAPSHOT_WIDTH, barHeight, [0, 0, 0]);
    drawText(stamp, SNAPSHOT_WIDTH - textWidth(stamp, scale) - 6, SNAPSHOT_HEIGHT - barHeight + 4, scale, (x, y) =>
      plot(x, y, [255, 255, 255]),
    );
    return PNG.sync.write(png);
  }
}

/**
 * Event pictures from the live video while it runs (a JPEG decoded from the camera's own
 * stream), and from `fallback` (the simulated scene) when no source runs or no frame came.
 */
export class LiveVideoSnapshotSource implements SnapshotSource {
  constructor(
    private readonly still: () => Promise<Buffer | undefined>,
    private readonly fallback: SnapshotSource,
  ) {}

  async capture(): Promise<StoredImage> {
    const jpeg = await this.still().catch(() => undefined);
    return jpeg ? { data: jpeg, contentType: 'image/jpeg' } : this.fallback.capture();
  }
}

const SNAPSHOT_HTTP_TIMEOUT_MS = 5000;
const SNAPSHOT_MAX_BYTES = 5 * 1024 * 1024;

/** A real camera's still image (e.g. MOBOTIX `/record/current.jpg`), fetched with a timeout. */
export class HttpSnapshotSource implements SnapshotSource {
  constructor(
    private readonly url: string,
    private readonly timeoutMs = SNAPSHOT_HTTP_TIMEOUT_MS,
  ) {}

  async capture(): Promise<StoredImage> {
    const response = await fetch(this.url, { signal: AbortSignal.timeout(this.timeoutMs) });
    const contentType = response.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
    if (!response.ok || !contentType.startsWith('image/')) {
      await response.body?.cancel();
      throw new Error(`snapshot URL answered ${response.status} ${contentType || 'without a content type'}`);
    }
    const data = Buffer.from(await response.arrayBuffer());
    if (data.length > SNAPSHOT_MAX_BYTES) throw new Error(`snapshot of ${data.length} bytes is too large`);
    return { data, contentType };
  }
}
