import * as sdpTransform from 'sdp-transform';
import { describe, expect, it } from 'vitest';

import { SdpNegotiationError } from '../../../src/media/sdp/sdp-negotiation-error.ts';
import { chooseVideoFormat, findVideoOffer } from '../../../src/media/sdp/video-offer.ts';
import { writeWebRtcAnswer, type WebRtcAnswerParams } from '../../../src/media/sdp/webrtc-answer.ts';
import { parseWebRtcOffer } from '../../../src/media/sdp/webrtc-offer.ts';
import { chooseWebRtcCodec } from '../../../src/media/webrtc-leg.ts';
import { CHROMIUM_OFFER, JSSIP_VIDEO_OFFER } from './sdp-offers.ts';

/** What a mediasoup WebRtcTransport and consumer report, as the leg passes it on. */
function answerTo(offerSdp: string, overrides: Partial<WebRtcAnswerParams> = {}): { sdp: string; parsed: sdpTransform.SessionDescription } {
  const offer = parseWebRtcOffer(offerSdp);
  const sdp = writeWebRtcAnswer(
    {
      offer,
      codec: chooseWebRtcCodec(offer),
      headerExtensions: offer.midExtensionId !== undefined ? [{ id: offer.midExtensionId, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' }] : [],
      ice: {
        usernameFragment: 'srvufrag',
        password: 'srvpassword',
        candidates: [{ foundation: 'udpcandidate', priority: 1076558079, ip: '198.51.100.7', port: 40001, protocol: 'udp' }],
      },
      fingerprint: { algorithm: 'sha-256', value: 'AA:BB' },
      setup: offer.dtls.setup === 'passive' ? 'active' : 'passive',
      direction: 'sendrecv',
      sender: { ssrc: 1111, cname: 'camera', streamId: 'camgate', trackId: 'camera-audio' },
      rtcpReducedSize: offer.rtcpReducedSize,
      ...overrides,
    },
    '42',
    0,
  );
  return { sdp, parsed: sdpTransform.parse(sdp) };
}

describe('JSEP answers to browsers (RFC 8829 §5.3, ICE-lite RFC 8445 §2.5, DTLS-SRTP RFC 5763)', () => {
  it('reads what the WebRtcTransport and producer need from Chromium\'s offer', () => {
    const offer = parseWebRtcOffer(CHROMIUM_OFFER);
    expect(offer.ice).toEqual({ usernameFragment: '1ScA', password: 'Ykz8dioxQvIdqKjiUor1hAsa' });
    expect(offer.dtls.setup).toBe('actpass');
    expect(offer.dtls.fingerprints[0]!.algorithm).toBe('sha-256');
    expect(offer).toMatchObject({ ssrc: 2686096957, cname: 'a2FVOUmi82CKQQ4q', midExtensionId: 4, rtcpReducedSize: true });
    expect(chooseWebRtcCodec(offer)).toMatchObject({ name: 'opus', payloadType: 111, clockRate: 48000, channels: 2 });
  });

  it('answers Chromium as ICE-lite, DTLS passive, bundled, rtcp-mux, Opus only with minptime/FEC, our SSRC and msid', () => {
    const { sdp, parsed } = answerTo(CHROMIUM_OFFER);
    const [audio] = parsed.media;
    expect(parsed.icelite).toBe('ice-lite');
    expect(parsed.groups?.map((g) => `${g.type} ${g.mids}`)).toEqual(['BUNDLE 0']);
    expect(String(audio!.mid)).toBe('0');
    expect(audio).toMatchObject({ setup: 'passive', iceUfrag: 'srvufrag', icePwd: 'srvpassword', rtcpMux: 'rtcp-mux', direction: 'sendrecv' });
    expect(String(audio!.payloads)).toBe('111');
    expect(audio!.fmtp).toEqual([{ payload: 111, config: 'minptime=10;useinbandfec=1' }]);
    expect(audio!.fingerprint).toEqual({ type: 'sha-256', hash: 'AA:BB' });
    expect(audio!.candidates).toEqual([expect.objectContaining({ ip: '198.51.100.7', port: 40001, transport: 'udp', type: 'host' })]);
    expect(audio!.ext).toEqual([{ value: 4, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' }]);
    expect(sdp).toMatch(/^a=ssrc:1111 cname:camera\r$/m);
    expect(sdp).toMatch(/^a=msid:camgate camera-audio\r$/m);
    expect(sdp).not.toMatch(/transport-cc|red\/|rtcp-fb/);
  });

  it('leaves telephone-event out although offered: mediasoup would drop the browser\'s RFC 4733 packets', () => {
    expect(CHROMIUM_OFFER).toMatch(/telephone-event/);
    expect(answerTo(CHROMIUM_OFFER).sdp).not.toMatch(/telephone-event/);
  });

  it('falls back to PCMU when the browser offers Opus under another payload type than the Router\'s (Firefox: 109)', () => {
    const offer = parseWebRtcOffer(JSSIP_VIDEO_OFFER);
    expect(chooseWebRtcCodec(offer)).toMatchObject({ name: 'PCMU', payloadType: 0 });
  });

  it('rejects the video section of a JsSIP offer with port 0, keeps its mid out of BUNDLE, and takes the DTLS client role for setup:active', () => {
    const { parsed } = answerTo(JSSIP_VIDEO_OFFER);
    expect(parsed.media).toHaveLength(2);
    expect(parsed.media[1]).toMatchObject({ type: 'video', port: 0 });
    expect(String(parsed.media[1]!.mid)).toBe('1');
    expect(parsed.groups?.map((g) => `${g.type} ${g.mids}`)).toEqual(['BUNDLE 0']);
    expect(parsed.media[0]!.setup).toBe('passive');
    const passiveOffer = parseWebRtcOffer(JSSIP_VIDEO_OFFER.replace('a=setup:active', 'a=setup:passive'));
    expect(passiveOffer.dtls.setup).toBe('passive');
  });

  it('sends no a=ssrc while the answer does not send (hold: recvonly)', () => {
    const { sdp } = answerTo(CHROMIUM_OFFER.replace('a=sendrecv', 'a=sendonly'), { direction: 'recvonly', sender: undefined });
    expect(sdp).toMatch(/^a=recvonly\r$/m);
    expect(sdp).not.toMatch(/a=ssrc/);
  });

  it.each([
    ['malformed', CHROMIUM_OFFER.replace(/a=ice-ufrag:.*\r\n/, '')],
    ['malformed', CHROMIUM_OFFER.replace(/a=fingerprint:.*\r\n/, '')],
    ['unsupported-transport', CHROMIUM_OFFER.replace('UDP/TLS/RTP/SAVPF', 'RTP/AVP')],
    ['no-common-codec', CHROMIUM_OFFER.replace('m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126', 'm=audio 9 UDP/TLS/RTP/SAVPF 9 13')],
  ])('rejects as %s (the glue answers 488)', (failure, offerSdp) => {
    let error: unknown;
    try {
      chooseWebRtcCodec(parseWebRtcOffer(offerSdp));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SdpNegotiationError);
    expect((error as SdpNegotiationError).failure).toBe(failure);
  });
});

describe("the camera's video in a browser call's answer", () => {
  const H264_OFFER = JSSIP_VIDEO_OFFER.replace('m=video 9 UDP/TLS/RTP/SAVPF 96', 'm=video 9 UDP/TLS/RTP/SAVPF 96 108 116')
    .replace('a=rtpmap:96 VP8/90000', [
      'a=rtpmap:96 VP8/90000',
      'a=rtpmap:108 H264/90000',
      'a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
      'a=rtpmap:116 H264/90000',
      'a=fmtp:116 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f',
    ].join('\r\n'))
    .replace('a=mid:1\r\na=sendrecv', 'a=mid:1\r\na=recvonly');
  const routerCodecs = [
    { mimeType: 'video/H264', payloadType: 108, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' } },
    { mimeType: 'video/H264', payloadType: 116, parameters: { 'packetization-mode': 1, 'profile-level-id': '4d001f' } },
    { mimeType: 'video/H264', payloadType: 106, parameters: { 'packetization-mode': 1, 'profile-level-id': '640032' } },
    { mimeType: 'video/VP8', payloadType: 96 },
  ];

  it('finds the offered video and that it wants to receive', () => {
    const video = findVideoOffer(parseWebRtcOffer(H264_OFFER).session)!;
    expect(video).toMatchObject({ index: 1, mid: '1', wantsToReceive: true });
  });

  it("takes the source's own profile when offered under the Router's number, and carries High under Constrained Baseline", () => {
    const { formats } = findVideoOffer(parseWebRtcOffer(H264_OFFER).session)!;
    expect(chooseVideoFormat(formats, routerCodecs[1]!, routerCodecs)?.format.payloadType).toBe(116);
    const high = chooseVideoFormat(formats, routerCodecs[2]!, routerCodecs)!;
    expect(high.format.payloadType).toBe(108);
    expect(high.routerCodec.payloadType).toBe(108);
    // A VP8 source needs VP8 under 96; H.264 offered under other numbers does not do.
    expect(chooseVideoFormat(formats, routerCodecs[3]!, routerCodecs)?.format.encoding).toBe('VP8');
    const renumbered = findVideoOffer(parseWebRtcOffer(H264_OFFER.replaceAll(' 108', ' 98').replaceAll(':108', ':98')).session)!;
    expect(chooseVideoFormat(renumbered.formats, routerCodecs[0]!, routerCodecs)?.format.payloadType).toBe(116);
  });

  it('bundles an accepted video: sendonly, one codec, PLI/FIR feedback, its SSRC; refused video is port 0 with i=<reason> outside the bundle', () => {
    const offer = parseWebRtcOffer(H264_OFFER);
    const format = findVideoOffer(offer.session)!.formats.find((f) => f.payloadType === 108)!;
    const accepted = answerTo(H264_OFFER, { video: { index: 1, mid: '1', format, streamId: 'camgate-video', trackId: 'camera-video', sender: { ssrc: 2222, cname: 'cam' } } }).parsed;
    expect(accepted.groups).toEqual([{ type: 'BUNDLE', mids: '0 1' }]);
    const video = accepted.media[1]!;
    expect(video).toMatchObject({ type: 'video', port: 40001, direction: 'sendonly' });
    expect(String(video.payloads)).toBe('108');
    expect(video.rtcpFb?.map((fb) => `${fb.type} ${fb.subtype ?? ''}`.trim())).toEqual(['nack', 'nack pli', 'ccm fir']);
    expect(video.ssrcs).toContainEqual({ id: 2222, attribute: 'cname', value: 'cam' });

    const refused = answerTo(H264_OFFER, { video: { index: 1, unavailable: 'ffmpeg not found' } });
    expect(refused.sdp).toContain('a=group:BUNDLE 0\r\n');
    expect(refused.parsed.media[1]).toMatchObject({ type: 'video', port: 0 });
    expect(refused.sdp).toMatch(/^m=video 0 [^\r]*\r\ni=ffmpeg not found\r\n/m);
  });
});
