/**
 * Reads the camera page's live view in Chromium: the decoded picture of its <video>, drawn
 * into a canvas, and the simulated scene's timestamp strip (TIMESTAMP_BITS blocks along
 * the bottom edge, white = 1, most significant bit first: capture time in ms mod 2^40).
 */
import type { Page } from 'playwright-core';
import { eventually } from './gateway.ts';
import { SCENE_HEIGHT, SCENE_WIDTH, TIMESTAMP_BITS, TIMESTAMP_BLOCK } from '../../src/media/video/simulated-scene.ts';

export interface DecodedFrame {
  width: number;
  height: number;
  /** Standard deviation of the luma: near 0 for a blank (black or grey) picture. */
  lumaSpread: number;
  /** The scene's capture time read from the timestamp strip (ms since the epoch, mod 2^40). */
  timestamp: number;
}

/** How the page finds the live view (inside the camera page's shadow root); page scripts are strings: this project's Node code has no DOM types. */
const LIVE_VIEW = `document.querySelector('camgate-camera-page')?.shadowRoot?.querySelector('camgate-live-view')?.shadowRoot`;

/** The live view's state attribute ('playing', 'unavailable', …) and the message it shows. */
export function liveViewState(page: Page): Promise<{ state: string; message: string }> {
  return page.evaluate(`(() => {
    const view = ${LIVE_VIEW};
    return {
      state: view?.querySelector('section')?.dataset.state ?? 'missing',
      message: view?.querySelector('.message')?.textContent ?? '',
    };
  })()`);
}

/** Chromium for a softphone call: a fake microphone it may use, and video that plays without a click. */
export const SOFTPHONE_CHROMIUM_ARGS = [
  '--autoplay-policy=no-user-gesture-required', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-sandbox',
];

/** The softphone's picture: <camgate-softphone> wherever it sits in the page's shadow roots. */
export const SOFTPHONE_VIDEO = `(() => {
  const find = (root) => {
    const hit = root.querySelector('camgate-softphone');
    if (hit) return hit;
    for (const element of root.querySelectorAll('*')) {
      const inner = element.shadowRoot && find(element.shadowRoot);
      if (inner) return inner;
    }
    return null;
  };
  return find(document)?.shadowRoot?.querySelector('video');
})()`;

/** The frame a <video> shows now (by default the live view's), or null while it has none. */
export function decodedFrame(page: Page, videoExpression = `${LIVE_VIEW}?.querySelector('video')`): Promise<DecodedFrame | null> {
  const [width, height, bits, block] = [SCENE_WIDTH, SCENE_HEIGHT, TIMESTAMP_BITS, TIMESTAMP_BLOCK];
  return page.evaluate(`(() => {
    const video = ${videoExpression};
    if (!video || video.videoWidth === 0 || video.readyState < 2) return null;
    const canvas = document.createElement('canvas');
    canvas.width = ${width};
    canvas.height = ${height};
    const context = canvas.getContext('2d', { willReadFrequently: true });
    context.drawImage(video, 0, 0, ${width}, ${height});
    const pixels = context.getImageData(0, 0, ${width}, ${height}).data;
    const luma = (x, y) => {
      const i = (y * ${width} + x) * 4;
      return 0.299 * pixels[i] + 0.587 * pixels[i + 1] + 0.114 * pixels[i + 2];
    };
    let sum = 0;
    let sumSquares = 0;
    let count = 0;
    for (let y = 0; y < ${height}; y += 4) {
      for (let x = 0; x < ${width}; x += 4) {
        const l = luma(x, y);
        sum += l;
        sumSquares += l * l;
        count++;
      }
    }
    const mean = sum / count;
    let timestamp = 0;
    // Each block's centre: away from the edges that H.264 blurs.
    for (let bit = 0; bit < ${bits}; bit++) timestamp = timestamp * 2 + (luma(bit * ${block} + ${block / 2}, ${height - block / 2}) > 128 ? 1 : 0);
    return { width: video.videoWidth, height: video.videoHeight, lumaSpread: Math.sqrt(sumSquares / count - mean * mean), timestamp };
  })()`);
}

const TIMESTAMP_MODULO = 2 ** TIMESTAMP_BITS;

/** A decoded softphone frame that is a picture captured after `since` (a frozen frame cannot pass). */
export function playingSoftphoneFrame(page: Page, what: string, since: number): Promise<DecodedFrame> {
  return eventually(
    async () => {
      const frame = await decodedFrame(page, SOFTPHONE_VIDEO);
      const now = Date.now() % TIMESTAMP_MODULO;
      return frame && frame.lumaSpread > 20 && frame.timestamp <= now + 1000 && frame.timestamp > since % TIMESTAMP_MODULO ? frame : undefined;
    },
    20_000,
    what,
  );
}
