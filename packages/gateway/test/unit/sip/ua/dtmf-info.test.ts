import { describe, expect, it } from 'vitest';

import { parseDtmfInfo } from '../../../../src/sip/ua/dtmf-info.ts';

describe('DTMF in SIP INFO bodies', () => {
  it('reads application/dtmf-relay as JsSIP sends it', () => {
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=5\r\nDuration=100\r\n')).toEqual({ key: '5', durationMs: 100 });
  });

  it('reads Linphone\'s form (LF line ends, no duration) and lower-case keys', () => {
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=#\n')).toEqual({ key: '#' });
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal= d\nDuration= 250')).toEqual({ key: 'D', durationMs: 250 });
  });

  it('maps RFC 4733 event numbers 10-15 to * # A B C D', () => {
    expect(['10', '11', '12', '13', '14', '15'].map((s) => parseDtmfInfo('application/dtmf-relay', `Signal=${s}`)?.key)).toEqual([
      '*',
      '#',
      'A',
      'B',
      'C',
      'D',
    ]);
  });

  it('reads a bare key from application/dtmf', () => {
    expect(parseDtmfInfo('application/dtmf', '*')).toEqual({ key: '*' });
    expect(parseDtmfInfo('application/dtmf', '11\r\n')).toEqual({ key: '#' });
  });

  it('rejects anything that is not exactly one key', () => {
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=55')).toBeUndefined();
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=E')).toBeUndefined();
    expect(parseDtmfInfo('application/dtmf-relay', 'Duration=100')).toBeUndefined();
    expect(parseDtmfInfo('application/dtmf', '12#')).toBeUndefined();
    expect(parseDtmfInfo('text/plain', '5')).toBeUndefined();
    expect(parseDtmfInfo(undefined, 'Signal=5')).toBeUndefined();
  });
});
