import * as sdpTransform from 'sdp-transform';
import { describe, expect, it } from 'vitest';

import { negotiateSipOffer, type SipNegotiation } from '../../../src/media/sip-leg.ts';
import { SdpNegotiationError } from '../../../src/media/sdp/sdp-negotiation-error.ts';
import { SdpOrigin } from '../../../src/media/sdp/sdp-origin.ts';
import { writeSipAnswer } from '../../../src/media/sdp/sip-answer.ts';
import { BARESIP_OFFER, LINPHONE_OFFER, SIPP_OFFER, sipOffer } from './sdp-offers.ts';

function answer(offerSdp: string, origin = new SdpOrigin()): { sdp: string; parsed: sdpTransform.SessionDescription; negotiation: SipNegotiation } {
  const negotiation = negotiateSipOffer(offerSdp, undefined);
  const sdp = origin.stamp((id, version) => writeSipAnswer({ ...negotiation, address: '198.51.100.7', port: 20000 }, id, version));
  return { sdp, parsed: sdpTransform.parse(sdp), negotiation };
}

function negotiationFailure(offerSdp: string): SdpNegotiationError {
  try {
    negotiateSipOffer(offerSdp, undefined);
  } catch (error) {
    return error as SdpNegotiationError;
  }
  throw new Error('the offer was accepted');
}

describe('SDP answers to SIP phones (RFC 3264 §6, RFC 4733, RFC 3551)', () => {
  it('answers baresip with its first codec, telephone-event under its payload type, the announced address and ptime 20', () => {
    const { sdp, parsed } = answer(BARESIP_OFFER);
    const [audio] = parsed.media;
    expect(String(audio!.payloads)).toBe('0 101');
    expect(audio!.rtp).toEqual([
      { payload: 0, codec: 'PCMU', rate: 8000 },
      { payload: 101, codec: 'telephone-event', rate: 8000 },
    ]);
    expect(audio!.fmtp).toEqual([{ payload: 101, config: '0-15' }]);
    expect(audio!.port).toBe(20000);
    expect(parsed.connection?.ip).toBe('198.51.100.7');
    expect(parsed.origin.address).toBe('198.51.100.7');
    expect(audio!.ptime).toBe(20);
    expect(sdp).toMatch(/^a=sendrecv\r$/m);
    expect(sdp.endsWith('\r\n')).toBe(true);
  });

  it('honours the phone\'s codec order (PCMA first from linphone), rejects its video stream with port 0, answers ptime 20 to ptime 30', () => {
    const { parsed, negotiation } = answer(LINPHONE_OFFER);
    expect(negotiation.codec).toMatchObject({ name: 'PCMA', payloadType: 8 });
    expect(parsed.media).toHaveLength(2);
    expect(String(parsed.media[0]!.payloads)).toBe('8 97');
    expect(parsed.media[0]!.fmtp).toEqual([{ payload: 97, config: '0-15' }]);
    expect(parsed.media[0]!.ptime).toBe(20);
    expect(parsed.media[1]).toMatchObject({ type: 'video', port: 0, protocol: 'RTP/AVP' });
    expect(String(parsed.media[1]!.payloads)).toBe('98');
  });

  it('accepts static payload types without a=rtpmap and leaves telephone-event out when not offered (sipp)', () => {
    const offer = SIPP_OFFER.replace('a=rtpmap:0 PCMU/8000\r\n', '');
    const { parsed } = answer(offer);
    expect(String(parsed.media[0]!.payloads)).toBe('0');
    expect(parsed.media[0]!.rtp).toEqual([{ payload: 0, codec: 'PCMU', rate: 8000 }]);
    expect(parsed.media[0]!.fmtp).toEqual([]);
  });

  it.each([
    ['sendrecv', 'sendrecv'],
    ['sendonly', 'recvonly'],
    ['recvonly', 'sendonly'],
    ['inactive', 'inactive'],
  ])('mirrors a=%s with a=%s (RFC 3264 §6.1)', (offered, answered) => {
    expect(answer(sipOffer({ direction: offered })).sdp).toMatch(new RegExp(`^a=${answered}\\r$`, 'm'));
  });

  it('takes the direction from the session level when the media level has none', () => {
    const offer = sipOffer().replace('t=0 0\r\n', 't=0 0\r\na=sendonly\r\n');
    expect(answer(offer).sdp).toMatch(/^a=recvonly\r$/m);
  });

  it('echoes a=rtcp-mux when offered (RFC 5761 §5.1.1)', () => {
    expect(answer(sipOffer({ extra: ['a=rtcp-mux'] })).sdp).toMatch(/^a=rtcp-mux\r$/m);
    expect(answer(sipOffer()).sdp).not.toMatch(/rtcp-mux/);
  });

  it('keeps the o= session id and bumps the version only when the answer changes (RFC 3264 §8)', () => {
    const origin = new SdpOrigin();
    const first = answer(sipOffer(), origin).parsed.origin;
    const same = answer(sipOffer(), origin).parsed.origin;
    const hold = answer(sipOffer({ direction: 'inactive' }), origin).parsed.origin;
    expect(same).toEqual(first);
    expect(hold.sessionId).toBe(first.sessionId);
    expect(hold.sessionVersion).toBe(first.sessionVersion + 1);
  });

  it('keeps the current codec on a re-offer that still lists it, even behind another (no needless switch)', () => {
    const first = negotiateSipOffer(sipOffer({ formats: '8 0 101' }), undefined);
    expect(first.codec.name).toBe('PCMA');
    const reoffer = negotiateSipOffer(sipOffer({ formats: '0 8 101' }), first.codec);
    expect(reoffer.codec.name).toBe('PCMA');
  });

  it.each([
    ['no-common-codec', sipOffer({ formats: '18 101', extra: ['a=rtpmap:18 G729/8000'] })],
    ['unsupported-transport', sipOffer({ protocol: 'RTP/SAVP' })],
    ['no-audio', SIPP_OFFER.replace('m=audio 6000', 'm=audio 0')],
    ['malformed', 'INVITE sip:camera@example.com SIP/2.0'],
  ])('rejects as %s (the glue answers 488)', (failure, offer) => {
    const error = negotiationFailure(offer);
    expect(error).toBeInstanceOf(SdpNegotiationError);
    expect(error.failure).toBe(failure);
  });
});

describe('SDP addresses and ports at the boundary (no DNS, no bad ports, no group addresses)', () => {
  const withPort = (port: string) => sipOffer().replace('m=audio 4000', `m=audio ${port}`);

  it.each([
    ['a port above 65535', withPort('65536'), /65536/],
    ['a huge port', withPort('99999999999'), /99999999999/],
    ['an out-of-range port on the audio stream after a rejected one', sipOffer().replace('m=audio 4000', 'm=audio 0') + 'm=audio 70000 RTP/AVP 0\r\n', /70000/],
    ['a host name in c= (never resolved)', sipOffer({ address: 'media.example.com' }), /media\.example\.com is not an IP address/],
    ['an IPv6 address under IN IP4', sipOffer({ address: '2001:db8::1' }), /IP4 but 2001:db8::1 is IPv6/],
    ['a multicast group', sipOffer({ address: '239.1.2.3' }), /multicast or broadcast/],
    ['the broadcast address', sipOffer({ address: '255.255.255.255' }), /multicast or broadcast/],
  ])('refuses %s with bad-address and a Warning naming it', (_, offer, text) => {
    const error = negotiationFailure(offer);
    expect(error).toBeInstanceOf(SdpNegotiationError);
    expect(error.failure).toBe('bad-address');
    expect(error.message).toMatch(text);
    expect(error.warning('camgate')).toMatch(/^301 camgate "[^"\r\n]+"$/);
  });

  it('refuses a rejected stream with a port out of range beside the answered one', () => {
    const offer = `${sipOffer()}m=video 65536 RTP/AVP 96\r\n`;
    expect(negotiationFailure(offer).failure).toBe('bad-address');
  });

  it('accepts port 0 on another stream and c=0.0.0.0 (hold) on the answered one', () => {
    expect(() => negotiateSipOffer(`${sipOffer()}m=video 0 RTP/AVP 96\r\n`, undefined)).not.toThrow();
    expect(negotiateSipOffer(sipOffer({ address: '0.0.0.0' }), undefined).offer.address).toBe('0.0.0.0');
  });

  it('keeps quotes and control characters out of the Warning text', () => {
    const error = new SdpNegotiationError('malformed', 'bad "thing"\\ here');
    expect(error.warning('camgate')).toBe('399 camgate "bad  thing   here"');
  });
});
