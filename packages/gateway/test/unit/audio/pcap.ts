import { readFileSync } from 'node:fs';

import type { RtpPacket } from '../../../src/media/rtp-packet.ts';

/** RTP packets of a classic libpcap file (Ethernet/IPv4/UDP), for replaying real captures. */
export interface CapturedRtp extends RtpPacket {
  readonly timeUs: number;
}

export function readRtpCapture(path: string): CapturedRtp[] {
  const file = readFileSync(path);
  if (file.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${path}: not a little-endian pcap file`);
  const packets: CapturedRtp[] = [];
  for (let offset = 24; offset + 16 <= file.length; ) {
    const seconds = file.readUInt32LE(offset);
    const micros = file.readUInt32LE(offset + 4);
    const length = file.readUInt32LE(offset + 8);
    const frame = file.subarray(offset + 16, offset + 16 + length);
    offset += 16 + length;
    const ip = frame.subarray(14);
    const rtp = ip.subarray((ip[0]! & 0x0f) * 4 + 8);
    const csrcBytes = (rtp[0]! & 0x0f) * 4;
    packets.push({
      timeUs: seconds * 1e6 + micros,
      payloadType: rtp[1]! & 0x7f,
      marker: (rtp[1]! & 0x80) !== 0,
      sequenceNumber: rtp.readUInt16BE(2),
      timestamp: rtp.readUInt32BE(4),
      ssrc: rtp.readUInt32BE(8),
      payload: rtp.subarray(12 + csrcBytes),
    });
  }
  return packets;
}
