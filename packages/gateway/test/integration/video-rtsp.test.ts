import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.ts';
import { MediaService } from '../../src/media/media-service.ts';
import { isRtcp, parseRtpPacket } from '../../src/media/rtp-packet.ts';
import { createRtspPuller } from '../../src/media/video/rtsp-puller.ts';
import { SimulatedScene } from '../../src/media/video/simulated-scene.ts';
import { VideoSupervisor } from '../../src/media/video/video-supervisor.ts';
import type { VideoSource, VideoSourceState } from '../../src/media/video/video-source.ts';
import { eventually } from '../support/gateway.ts';
import { freeTcpPort } from '../support/ports.ts';
import type { PeerProcess } from '../support/process.ts';
import { describeSps, h264Nals, NAL_SPS, startRtspCamera } from '../support/rtsp-camera.ts';

const logger = createLogger();

/** What a plain RTP receiver (a UDP socket behind a PlainTransport consumer) got. */
interface Received {
  payloadTypes: Set<number>;
  sps: Buffer[];
  packets: number;
}

describe('real camera over RTSP (issue #10): --video-url is pulled over TCP and forwarded as H.264, never re-encoded', () => {
  let media: MediaService;
  let camera: PeerProcess | undefined;
  let cameraPort: number;
  const supervisors: VideoSupervisor[] = [];

  beforeAll(async () => {
    media = new MediaService({ logger, webrtc: { listenIp: '127.0.0.1' }, rtp: { listenIp: '127.0.0.1', announcedIp: '127.0.0.1', portMin: 34000, portMax: 34999 } });
    await media.start();
    cameraPort = await freeTcpPort();
    camera = await startRtspCamera(cameraPort);
  }, 60_000);

  afterAll(async () => {
    for (const supervisor of supervisors) supervisor.close();
    await camera?.stop();
    await media?.close();
  });

  function supervise(source: VideoSource): VideoSupervisor {
    const supervisor = new VideoSupervisor({ cameraId: 'camera', source, router: () => media.cameraRouter(), alwaysOn: false, logger });
    supervisors.push(supervisor);
    return supervisor;
  }

  const until = (supervisor: VideoSupervisor, state: VideoSourceState['state'], timeoutMs = 20_000) =>
    eventually(() => (supervisor.state.state === state ? supervisor.state : undefined), timeoutMs, `video ${state}`);

  /** Consumes the camera's producer into a UDP socket through a PlainTransport until an SPS (and some more) arrived. */
  async function receive(supervisor: VideoSupervisor): Promise<Received & { consumerPayloadType: number }> {
    const router = await media.cameraRouter();
    const socket: Socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const transport = await router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: false });
    try {
      await transport.connect({ ip: '127.0.0.1', port: socket.address().port });
      const consumer = await transport.consume({ producerId: supervisor.producer!.id, rtpCapabilities: router.rtpCapabilities });
      const received: Received = { payloadTypes: new Set(), sps: [], packets: 0 };
      socket.on('message', (datagram) => {
        const packet = isRtcp(datagram) ? undefined : parseRtpPacket(datagram);
        // The media stream only: mediasoup also sends bandwidth probation padding (payload type 127, own SSRC).
        if (!packet || packet.ssrc !== consumer.rtpParameters.encodings![0]!.ssrc) return;
        received.packets++;
        received.payloadTypes.add(packet.payloadType);
        for (const nal of h264Nals(packet.payload)) if ((nal[0]! & 0x1f) === NAL_SPS) received.sps.push(Buffer.from(nal));
      });
      // A key frame (with its SPS) at least every second from the camera; the consumer also asks for one.
      await eventually(() => received.sps.length > 0 && received.packets > 20, 10_000, 'H.264 with an SPS');
      return { ...received, consumerPayloadType: consumer.rtpParameters.codecs[0]!.payloadType };
    } finally {
      transport.close();
      socket.close();
    }
  }

  it("forwards the camera's own H.264 (its SPS byte for byte, High profile) under the Router's payload type", async () => {
    const url = `rtsp://127.0.0.1:${cameraPort}/camera`;
    const cameraSps = await describeSps(url);
    const supervisor = supervise(createRtspPuller({ cameraId: 'camera', url, logger }));
    const release = supervisor.acquire();
    await until(supervisor, 'running');
    const codec = supervisor.producer!.rtpParameters.codecs[0]!;
    expect(codec.mimeType).toBe('video/H264');
    expect(codec.parameters['profile-level-id']).toMatch(/^6400/);

    const received = await receive(supervisor);
    expect([...received.payloadTypes]).toEqual([received.consumerPayloadType]);
    expect(received.consumerPayloadType).toBe(106);
    // Re-encoding would make a new SPS (another profile, size, x264's own VUI): the bytes prove it is the camera's.
    expect(received.sps[0]!.equals(cameraSps)).toBe(true);
    release();
  });

  it('goes unavailable when the camera stops, and runs again by itself when it is back', async () => {
    const url = `rtsp://127.0.0.1:${cameraPort}/camera`;
    const supervisor = supervise(createRtspPuller({ cameraId: 'camera', url, logger }));
    supervisor.acquire();
    await until(supervisor, 'running');
    await camera!.stop();
    const down = await until(supervisor, 'unavailable');
    expect(down.state === 'unavailable' && down.reason).toBeTruthy();
    camera = await startRtspCamera(cameraPort);
    await until(supervisor, 'running', 25_000);
    const received = await receive(supervisor);
    expect(received.sps.length).toBeGreaterThan(0);
  }, 45_000);

  it('never shows the RTSP password: a refused connection is unavailable with the credentials redacted', async () => {
    const closedPort = await freeTcpPort();
    const source = createRtspPuller({ cameraId: 'camera', url: `rtsp://viewer:s3cret-pw@127.0.0.1:${closedPort}/camera`, logger });
    const supervisor = supervise(source);
    supervisor.acquire();
    const down = await until(supervisor, 'unavailable');
    expect(down.state === 'unavailable' && down.reason).toMatch(/ffmpeg exited/);
    expect(JSON.stringify(down)).not.toMatch(/s3cret-pw|viewer/);
  });

  it("without ffmpeg the video is 'unavailable: ffmpeg not found', and nothing throws", async () => {
    const supervisor = supervise(new SimulatedScene({ cameraId: 'camera', cameraName: 'camera', logger, ffmpegPath: '/nonexistent/ffmpeg' }));
    supervisor.acquire();
    const down = await until(supervisor, 'unavailable');
    expect(down).toEqual({ state: 'unavailable', reason: 'ffmpeg not found' });
  });
});
