/**
 * Issue #9 — the gateway "hands a call to a stranger": during a PIN-protected call by
 * baresip, a host that never sent SIP sprays in-sequence RTP at the RTP port range. The
 * stranger must receive no RTP and its RFC 4733 `1#` must not open the door.
 */
import { describe, expect, it } from 'vitest';
import { strangerSpraysRtpDuringCall } from './attacks/rtp-hijack.ts';
import { source } from './support/sources.ts';
import { attackTarget } from './support/lifecycle.ts';
import { OWNER_PHONE_HOST, stillServing } from './support/serving.ts';

// Sources of this file: 127.0.0.20-29 (the owner's phone: 127.0.0.1, see OWNER_PHONE_HOST).
const OWNER = OWNER_PHONE_HOST;
const STRANGER = source(21);
const serving = { monitor: source(22), caller: source(23) };

describe('attack: a stranger sprays RTP at the port range during a PIN-protected call', () => {
  // A small range: the spray covers it in milliseconds.
  const target = attackTarget({ rtpPorts: 40 });

  it('sends the stranger no RTP and ignores its "1#" (the door stays shut)', async () => {
    const attack = await strangerSpraysRtpDuringCall(target(), { owner: OWNER, stranger: STRANGER, rounds: 5 });
    expect(attack.problems).toEqual([]);
    expect(await stillServing(target(), serving)).toEqual([]);
  }, 60_000);
});
