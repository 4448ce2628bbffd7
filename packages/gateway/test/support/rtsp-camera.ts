/**
 * A real RTSP camera for tests: GStreamer's gst-rtsp-server (rtsp-server.py, Debian's
 * python3-gi) serving H.264 High profile, plus an RTSP DESCRIBE to read the SPS the camera
 * announces (sprop-parameter-sets, RFC 6184 §8.1).
 */
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PeerProcess } from './process.ts';

const SERVER_SCRIPT = fileURLToPath(new URL('./rtsp-server.py', import.meta.url));

/** Starts the server on `port` and waits until it listens. */
export async function startRtspCamera(port: number): Promise<PeerProcess> {
  // Debian's python3: python3-gi and the GStreamer typelibs live there, not in other Pythons.
  const server = new PeerProcess('rtsp-server', '/usr/bin/python3', [SERVER_SCRIPT, String(port)]);
  await server.waitForOutput(/^ready$/m, 15_000);
  return server;
}

/** The SPS NAL unit (raw bytes) that the camera's SDP announces for `url`. */
export function describeSps(url: string): Promise<Buffer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    const timer = setTimeout(() => socket.destroy(new Error(`no DESCRIBE answer from ${url}`)), 10_000);
    socket.on('connect', () => socket.write(`DESCRIBE ${url} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n`));
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      const sprop = /sprop-parameter-sets=([A-Za-z0-9+/=]+),/.exec(text);
      if (!sprop) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.from(sprop[1]!, 'base64'));
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** The H.264 NAL units in one RTP payload (RFC 6184 §5.6 single NAL, §5.7.1 STAP-A); FU-A fragments are skipped. */
export function h264Nals(payload: Buffer): Buffer[] {
  const type = payload[0]! & 0x1f;
  if (type >= 1 && type <= 23) return [payload];
  if (type !== 24) return [];
  const nals: Buffer[] = [];
  for (let offset = 1; offset + 2 <= payload.length; ) {
    const size = payload.readUInt16BE(offset);
    nals.push(payload.subarray(offset + 2, offset + 2 + size));
    offset += 2 + size;
  }
  return nals;
}

export const NAL_SPS = 7;
