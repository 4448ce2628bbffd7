/**
 * SDP offers as real callers send them. CHROMIUM_OFFER was captured from Chromium 156
 * (RTCPeerConnection with the fake microphone, as JsSIP creates it); JSSIP_VIDEO_OFFER is
 * what JsSIP sends once ICE gathering is done, with a camera track too. The SIP ones follow
 * baresip 1.0, linphone 5 and sipp's scenarios.
 */
const crlf = (lines: string[]) => `${lines.join('\r\n')}\r\n`;

export const CHROMIUM_OFFER = crlf([
  'v=0',
  'o=- 4060538743441392766 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS ef4eecb6-eb0b-4002-ad5a-18f18de8dc25',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:1ScA',
  'a=ice-pwd:Ykz8dioxQvIdqKjiUor1hAsa',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 D8:B8:F2:BB:76:C1:21:68:64:DD:56:EC:D0:6D:BF:9E:B1:E4:8C:11:A0:3E:52:7F:3E:0C:38:6D:4A:B9:AD:E7',
  'a=setup:actpass',
  'a=mid:0',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=sendrecv',
  'a=msid:ef4eecb6-eb0b-4002-ad5a-18f18de8dc25 cedf4570-0390-436b-ae0b-fcf355c7787f',
  'a=rtcp-mux',
  'a=rtcp-rsize',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=fmtp:63 111/111',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:13 CN/8000',
  'a=rtpmap:110 telephone-event/48000',
  'a=rtpmap:126 telephone-event/8000',
  'a=ssrc:2686096957 cname:a2FVOUmi82CKQQ4q',
  'a=ssrc:2686096957 msid:ef4eecb6-eb0b-4002-ad5a-18f18de8dc25 cedf4570-0390-436b-ae0b-fcf355c7787f',
]);

export const JSSIP_VIDEO_OFFER = crlf([
  'v=0',
  'o=- 6612370046129447360 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'a=msid-semantic: WMS',
  'm=audio 50411 UDP/TLS/RTP/SAVPF 109 0 101',
  'c=IN IP4 192.0.2.2',
  'a=candidate:1 1 udp 2122260223 192.0.2.2 50411 typ host generation 0',
  'a=ice-ufrag:Wb3k',
  'a=ice-pwd:x1R9hQXs4bVhDpr3ujOHcPsm',
  'a=fingerprint:sha-256 11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00',
  'a=setup:active',
  'a=mid:0',
  'a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=sendrecv',
  'a=rtcp-mux',
  'a=rtpmap:109 opus/48000/2',
  'a=fmtp:109 minptime=10;useinbandfec=1',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:Wb3k',
  'a=ice-pwd:x1R9hQXs4bVhDpr3ujOHcPsm',
  'a=mid:1',
  'a=sendrecv',
  'a=rtcp-mux',
  'a=rtpmap:96 VP8/90000',
]);

export const BARESIP_OFFER = crlf([
  'v=0',
  'o=- 1907425513 3376357960 IN IP4 192.0.2.10',
  's=-',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 10388 RTP/AVP 0 8 101',
  'b=AS:88',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=rtcp:10389',
  'a=sendrecv',
  'a=label:1',
  'a=rtcp-rsize',
  'a=ssrc:3245613491 cname:sip:baresip@192.0.2.10',
  'a=ptime:20',
]);

/** linphone: PCMA preferred, G.729 and Opus too, ptime 30, video offered, DTMF as PT 96. */
export const LINPHONE_OFFER = crlf([
  'v=0',
  'o=alice 2466 1103 IN IP4 192.0.2.20',
  's=Talk',
  'c=IN IP4 192.0.2.20',
  't=0 0',
  'a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics',
  'm=audio 7078 RTP/AVP 96 18 8 0 97',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 useinbandfec=1',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=yes',
  'a=rtpmap:97 telephone-event/8000',
  'a=ptime:30',
  'a=rtcp-fb:* trr-int 1000',
  'm=video 9078 RTP/AVP 98',
  'a=rtpmap:98 VP8/90000',
]);

/** sipp's uac: static payload types without a=rtpmap (RFC 3551 allows it). */
export const SIPP_OFFER = crlf([
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
]);

export function sipOffer(options: { direction?: string; formats?: string; extra?: string[]; address?: string; protocol?: string } = {}): string {
  return crlf([
    'v=0',
    'o=phone 1 2 IN IP4 192.0.2.30',
    's=-',
    `c=IN IP4 ${options.address ?? '192.0.2.30'}`,
    't=0 0',
    `m=audio 4000 ${options.protocol ?? 'RTP/AVP'} ${options.formats ?? '0 8 101'}`,
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    ...(options.direction ? [`a=${options.direction}`] : []),
    ...(options.extra ?? []),
  ]);
}
