import { parseAudioOffer, type AudioOffer } from './audio-offer.ts';
import { SdpNegotiationError } from './sdp-negotiation-error.ts';
import { MID_EXTENSION_URI } from './webrtc-answer.ts';

export type DtlsSetup = 'actpass' | 'active' | 'passive';

/** A browser's offer: the audio section plus its ICE and DTLS credentials (RFC 8829). */
export interface WebRtcOffer extends AudioOffer {
  readonly ice: { readonly usernameFragment: string; readonly password: string };
  readonly dtls: { readonly fingerprints: readonly { algorithm: string; value: string }[]; readonly setup: DtlsSetup };
  /** a=mid (sdp-transform reads "0" as a number; RFC 8843 MIDs are tokens). */
  readonly mid: string | undefined;
  /** The browser's sending SSRC and CNAME; absent when it offers no a=ssrc (MID routing then). */
  readonly ssrc: number | undefined;
  readonly cname: string | undefined;
  readonly midExtensionId: number | undefined;
  readonly rtcpReducedSize: boolean;
}

/** DTLS-SRTP profiles (RFC 5764 §8): UDP, and TCP for ICE-TCP. */
const WEBRTC_PROTOCOLS = new Set(['UDP/TLS/RTP/SAVPF', 'TCP/TLS/RTP/SAVPF']);

export function parseWebRtcOffer(sdp: string): WebRtcOffer {
  const audio = parseAudioOffer(sdp, (protocol) => WEBRTC_PROTOCOLS.has(protocol.toUpperCase()));
  const { session, media } = audio;
  const usernameFragment = media.iceUfrag ?? session.iceUfrag;
  const password = media.icePwd ?? session.icePwd;
  if (!usernameFragment || !password) throw new SdpNegotiationError('malformed', 'the offer has no a=ice-ufrag/a=ice-pwd');
  const fingerprint = media.fingerprint ?? session.fingerprint;
  if (!fingerprint) throw new SdpNegotiationError('malformed', 'the offer has no a=fingerprint');
  const setup = (media.setup ?? session.setup ?? 'actpass').toLowerCase();
  if (setup !== 'actpass' && setup !== 'active' && setup !== 'passive') {
    throw new SdpNegotiationError('malformed', `a=setup:${setup} cannot be answered`);
  }
  const cnameLine = media.ssrcs?.find((s) => s.attribute === 'cname');
  return {
    ...audio,
    ice: { usernameFragment, password },
    dtls: { fingerprints: [{ algorithm: fingerprint.type.toLowerCase(), value: fingerprint.hash }], setup },
    mid: media.mid === undefined ? undefined : String(media.mid),
    ssrc: cnameLine ? Number(cnameLine.id) : undefined,
    cname: cnameLine?.value,
    midExtensionId: media.ext?.find((e) => e.uri === MID_EXTENSION_URI)?.value,
    rtcpReducedSize: media.rtcpRsize === 'rtcp-rsize',
  };
}
