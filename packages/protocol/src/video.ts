import { z } from 'zod';

/**
 * Live camera video without a call: the gateway's signalling for a mediasoup-client Device
 * in the page (one receive WebRtcTransport per viewer, one Consumer of the camera's video
 * Producer). mediasoup's own types stay on each side; these schemas check what crosses the
 * wire and keep it bounded.
 */

/** Where the camera's video comes from: the built-in simulated scene or a real camera's RTSP stream. */
export const VideoSourceKindSchema = z.enum(['simulated', 'rtsp']);
export type VideoSourceKind = z.infer<typeof VideoSourceKindSchema>;

export const VideoStatusSchema = z.object({
  /** The camera this video is of. */
  cameraId: z.string(),
  /** stopped: nobody watches; starting: the encoder or puller is coming up. */
  state: z.enum(['stopped', 'starting', 'running', 'unavailable']),
  /** Why the video is unavailable (e.g. "ffmpeg not found"); null otherwise. */
  reason: z.string().nullable(),
  source: VideoSourceKindSchema,
  alwaysOn: z.boolean(),
  viewers: z.number().int().min(0),
  maxViewers: z.number().int().min(1),
});
export type VideoStatus = z.infer<typeof VideoStatusSchema>;

const shortString = z.string().max(256);

export const DtlsParametersSchema = z.object({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z.array(z.object({ algorithm: shortString, value: shortString })).min(1).max(8),
});
export type DtlsParametersWire = z.infer<typeof DtlsParametersSchema>;

const CodecCapabilitySchema = z.looseObject({
  kind: z.enum(['audio', 'video']),
  mimeType: shortString,
  clockRate: z.number().int().positive(),
  preferredPayloadType: z.number().int().min(0).max(127).optional(),
  channels: z.number().int().positive().optional(),
  parameters: z.record(shortString, z.union([shortString, z.number()])).optional(),
  rtcpFeedback: z.array(z.object({ type: shortString, parameter: shortString.optional() })).max(16).optional(),
});

/** A Device's receive capabilities (mediasoup-client `device.rtpCapabilities`). */
export const RtpCapabilitiesSchema = z.object({
  codecs: z.array(CodecCapabilitySchema).max(128).optional(),
  headerExtensions: z
    .array(z.looseObject({ kind: z.enum(['audio', 'video']), uri: shortString, preferredId: z.number().int() }))
    .max(64)
    .optional(),
});
export type RtpCapabilitiesWire = z.infer<typeof RtpCapabilitiesSchema>;

/** `video:join`: which camera to watch (one per socket at a time; default the default camera). */
export const VideoJoinRequestSchema = z.object({ cameraId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/).default('camera') });
export const VideoConnectRequestSchema = z.object({ dtlsParameters: DtlsParametersSchema });
export const VideoConsumeRequestSchema = z.object({ rtpCapabilities: RtpCapabilitiesSchema });

/** The receive transport's parameters, as mediasoup-client's `device.createRecvTransport` takes them. */
export interface VideoTransportInfo {
  id: string;
  iceParameters: { usernameFragment: string; password: string; iceLite?: boolean };
  iceCandidates: { foundation: string; priority: number; ip: string; protocol: 'udp' | 'tcp'; port: number; type: 'host'; tcpType?: 'passive' }[];
  dtlsParameters: DtlsParametersWire;
}

export interface VideoJoinResult {
  routerRtpCapabilities: RtpCapabilitiesWire;
  transport: VideoTransportInfo;
  status: VideoStatus;
}

/** A paused Consumer's parameters for `transport.consume()`; `video:resume` starts it. */
export interface VideoConsumerInfo {
  id: string;
  producerId: string;
  kind: 'video';
  rtpParameters: Record<string, unknown>;
}

export type VideoAck<T> = (result: ({ ok: true } & T) | { ok: false; error: string }) => void;

export interface VideoServerToClientEvents {
  /** The camera's video changed state (sent to viewers; admins get it in `status` too). */
  'video:state': (status: VideoStatus) => void;
  /** This viewer's transport is gone (media worker restart): join again. */
  'video:ended': (reason: string) => void;
}

export interface VideoClientToServerEvents {
  /** Become a viewer: starts the camera's video if needed and opens a receive transport. */
  'video:join': (request: { cameraId?: string } | undefined, ack: VideoAck<VideoJoinResult>) => void;
  'video:connect': (request: { dtlsParameters: DtlsParametersWire }, ack: VideoAck<object>) => void;
  /** A paused Consumer of the camera's video; fails with the reason while the video is unavailable. */
  'video:consume': (request: { rtpCapabilities: RtpCapabilitiesWire }, ack: VideoAck<{ consumer: VideoConsumerInfo }>) => void;
  /** Starts the Consumer and asks the source for a key frame (the first picture comes fast). */
  'video:resume': (request: unknown, ack: VideoAck<object>) => void;
  'video:leave': () => void;
}
