import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';

const base = ['--announced-ip', '127.0.0.1'];

describe('video flags: --video-url and --video-always-on', () => {
  it('defaults to the simulated scene, started on demand', () => {
    const config = loadConfig(base, {});
    expect(config.videoUrl).toBeUndefined();
    expect(config.videoAlwaysOn).toBe(false);
  });

  it('takes --video-always-on as a bare flag, or CAMGATE_VIDEO_ALWAYS_ON=1', () => {
    expect(loadConfig([...base, '--video-always-on'], {}).videoAlwaysOn).toBe(true);
    expect(loadConfig(base, { CAMGATE_VIDEO_ALWAYS_ON: '1' }).videoAlwaysOn).toBe(true);
    expect(loadConfig(base, { CAMGATE_VIDEO_ALWAYS_ON: 'false' }).videoAlwaysOn).toBe(false);
    expect(() => loadConfig(base, { CAMGATE_VIDEO_ALWAYS_ON: 'maybe' })).toThrow(/--video-always-on \(CAMGATE_VIDEO_ALWAYS_ON\)/);
  });

  it('accepts an rtsp:// camera URL and names the flag for anything else', () => {
    expect(loadConfig([...base, '--video-url', 'rtsp://user:pw@192.0.2.7:554/stream1'], {}).videoUrl).toBe('rtsp://user:pw@192.0.2.7:554/stream1');
    expect(() => loadConfig([...base, '--video-url', 'http://192.0.2.7/video'], {})).toThrow(/^--video-url \(CAMGATE_VIDEO_URL\)/);
  });
});
