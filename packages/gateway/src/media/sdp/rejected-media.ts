import type { MediaDescription } from 'sdp-transform';

/**
 * RFC 3264 §6: the answer has as many m= lines as the offer; a stream the answerer does not
 * take keeps its type, protocol and formats with port 0 (and its mid, RFC 8843 §7.3.3).
 */
export function rejectedMedia(offered: MediaDescription): MediaDescription {
  return {
    type: offered.type,
    port: 0,
    protocol: offered.protocol,
    payloads: offered.payloads,
    rtp: [],
    fmtp: [],
    ...(offered.mid !== undefined ? { mid: String(offered.mid) } : {}),
  };
}

/** `IN IP4 x` or `IN IP6 x` as sdp-transform wants the address written. */
export function ipVersion(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}
