/**
 * Issue #9 — the gateway "dies from one unauthenticated socket.io connection whose session
 * cookie does not percent-decode (`Cookie: camgate_session=%E0%A4%A`), and from one UDP
 * INVITE whose SDP says `m=audio 65536`". One packet each must not take the camera off the
 * air: afterwards it answers OPTIONS and a real phone from another source.
 */
import { describe, expect, it } from 'vitest';
import { outOfRangeMediaPort, undecodableSessionCookie } from './attacks/crash-inputs.ts';
import { source } from './support/sources.ts';
import { attackTarget } from './support/lifecycle.ts';
import { stillServing } from './support/serving.ts';

// Sources of this file: 127.0.0.10-19.
const ATTACKER = source(10);
const serving = { monitor: source(11), caller: source(12) };

describe('attack: one malformed input kills the gateway', () => {
  const target = attackTarget();

  it('survives a socket.io handshake whose session cookie does not percent-decode', async () => {
    const attack = await undecodableSessionCookie(target(), ATTACKER);
    expect(attack.problems).toEqual([]);
    expect(await stillServing(target(), serving)).toEqual([]);
  });

  it('refuses (4xx) an INVITE whose SDP says m=audio 65536, and lives', async () => {
    const attack = await outOfRangeMediaPort(target(), ATTACKER);
    expect(attack.problems).toEqual([]);
    expect(await stillServing(target(), serving)).toEqual([]);
  });
});
