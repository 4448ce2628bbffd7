import * as sdpTransform from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { offeredFormats, type OfferedFormat } from './audio-offer.ts';

/** The offer's first active m=video section: the camera's picture goes there when it can. */
export interface VideoOffer {
  /** Index in `session.media` (the answer keeps the offer's order). */
  readonly index: number;
  readonly media: MediaDescription;
  readonly mid: string | undefined;
  readonly formats: readonly OfferedFormat[];
  /** recvonly or sendrecv: the offerer wants to receive video (the camera never takes any). */
  readonly wantsToReceive: boolean;
}

/** A video codec as the Router numbers it (Producer.consumableRtpParameters, Router capabilities). */
export interface SourceCodec {
  readonly mimeType: string;
  readonly payloadType: number;
  readonly parameters?: Record<string, unknown>;
}

/** The offered format the call's video goes out as, and the Router codec that carries it. */
export interface ChosenVideoFormat {
  readonly format: OfferedFormat;
  readonly routerCodec: SourceCodec;
}

/**
 * The format for a source: its own codec and profile when offered under the Router's number;
 * else, for H.264, any offered packetization-mode 1 format that the Router numbers the same.
 * The stream is forwarded as it is either way (no transcoding): the profile in the SDP only
 * names what the decoder must handle, and browsers' H.264 decoders take Main and High under
 * a Constrained Baseline format (cameras send Main or High; Chromium 156 offers no High).
 */
export function chooseVideoFormat(formats: readonly OfferedFormat[], source: SourceCodec, routerCodecs: readonly SourceCodec[]): ChosenVideoFormat | undefined {
  const exact = matchVideoFormat(formats, source);
  if (exact) return { format: exact, routerCodec: source };
  if (source.mimeType.toLowerCase() !== 'video/h264') return undefined;
  for (const routerCodec of routerCodecs) {
    if (routerCodec.mimeType.toLowerCase() !== 'video/h264') continue;
    const format = matchVideoFormat(formats, routerCodec);
    if (format) return { format, routerCodec };
  }
  return undefined;
}

export function findVideoOffer(session: SessionDescription): VideoOffer | undefined {
  const index = session.media.findIndex((m) => m.type === 'video' && m.port !== 0);
  if (index < 0) return undefined;
  const media = session.media[index]!;
  const direction = media.direction ?? session.direction ?? 'sendrecv';
  return {
    index,
    media,
    mid: media.mid === undefined ? undefined : String(media.mid),
    formats: offeredFormats(media),
    wantsToReceive: direction === 'sendrecv' || direction === 'recvonly',
  };
}

/**
 * The offered format that carries the source's stream as it is (no transcoding): the same
 * codec under the Router's payload type (mediasoup consumers send those numbers), and for
 * H.264 packetization-mode 1 with the same profile (profile_idc and constraint flags; the
 * level may differ, level-asymmetry-allowed).
 */
function matchVideoFormat(formats: readonly OfferedFormat[], source: SourceCodec): OfferedFormat | undefined {
  const name = source.mimeType.split('/')[1]?.toLowerCase();
  return formats.find((format) => {
    if (format.encoding.toLowerCase() !== name || format.payloadType !== source.payloadType || format.clockRate !== 90000) return false;
    if (name !== 'h264') return true;
    const offered = sdpTransform.parseParams(format.fmtp ?? '');
    return Number(offered['packetization-mode']) === 1 && sameH264Profile(offered['profile-level-id'], source.parameters?.['profile-level-id']);
  });
}

/** A format whose codec, not payload type, matches: tells "wrong number" from "no such codec" in the reason. */
export function describeVideoMismatch(formats: readonly OfferedFormat[], source: SourceCodec): string {
  const name = source.mimeType.split('/')[1] ?? source.mimeType;
  const profile = source.parameters?.['profile-level-id'];
  const codec = profile ? `${name} ${String(profile)}` : name;
  const sameName = formats.some((f) => f.encoding.toLowerCase() === name.toLowerCase());
  return sameName ? `the offer has no ${name} (packetization-mode 1) under the camera's payload types` : `the offer has no ${codec} (no transcoding)`;
}

function sameH264Profile(offered: unknown, source: unknown): boolean {
  const a = String(offered ?? '42e01f').toLowerCase().slice(0, 4);
  const b = String(source ?? '42e01f').toLowerCase().slice(0, 4);
  return a === b;
}
