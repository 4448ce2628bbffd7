import type { types as ms } from 'mediasoup';
import type { CodecName } from '../audio/contracts.ts';
import { ROUTER_VIDEO_CODECS } from './video/video-codecs.ts';

/**
 * The payload type of each codec inside a camera's Router. mediasoup consumers send the
 * Router's payload types, never the ones a peer offered (measured on 3.12.16), and a
 * browser only accepts the payload types of its own offer (RFC 3264 §6.1). So Opus uses
 * 111, which Chromium, Safari and Edge offer; a browser offering Opus under another
 * number (Firefox: 109) gets G.711 instead (the engine runs at 8 kHz anyway). G.711 has
 * static types; a SIP phone's audio never enters the Router (its engine speaks the phone's
 * own payload types).
 */
export const ROUTER_PAYLOAD_TYPES: Readonly<Record<CodecName, number>> = { opus: 111, PCMU: 0, PCMA: 8 };

/**
 * The codecs a camera's Router speaks. telephone-event is deliberately absent: mediasoup
 * consumers never forward RFC 4733 packets (measured, see DESIGN.md), so a phone's DTMF is
 * read at its RTP edge (rtp-edge.ts) and never routed through the worker.
 */
export const ROUTER_MEDIA_CODECS: ms.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, preferredPayloadType: ROUTER_PAYLOAD_TYPES.opus },
  { kind: 'audio', mimeType: 'audio/PCMU', clockRate: 8000, preferredPayloadType: ROUTER_PAYLOAD_TYPES.PCMU },
  { kind: 'audio', mimeType: 'audio/PCMA', clockRate: 8000, preferredPayloadType: ROUTER_PAYLOAD_TYPES.PCMA },
  ...ROUTER_VIDEO_CODECS,
];
