/**
 * Issue #9 — "resources below the rate limit": INVITEs never ACKed from one source must not
 * make a legit call from another source get 500; a handful of sources filling the
 * transaction table must not make others get 503; half-sent TCP requests or idle WebSocket
 * upgrades from one address must not lock out another address's TCP/WS client; thousands
 * of anonymous socket.io connections from one address are refused beyond a cap while an
 * admin's still works.
 */
import { describe, expect, it } from 'vitest';
import { anonymousLiveSockets, connectionSlotsFromOneAddress, transactionTableFill, unackedInvitesFromOneSource } from './attacks/resource-exhaustion.ts';
import { crowd, source } from './support/sources.ts';
import { attackTarget } from './support/lifecycle.ts';
import { stillServing } from './support/serving.ts';

// Sources of this file: 127.0.0.50-59 and the crowd 127.50.*.
const ATTACKER = source(50);
const serving = { monitor: source(51), caller: source(52) };

describe('attack: exhausting shared resources while staying under the rate limit', () => {
  // 20 RTP port pairs: a single source could hold them all with unACKed calls.
  const target = attackTarget({ rtpPorts: 40 });

  it('answers a phone from another source while one source holds unACKed calls', async () => {
    const attack = await unackedInvitesFromOneSource(target(), { attacker: ATTACKER, invites: 40, caller: source(53) });
    expect(attack.problems).toEqual([]);
    expect(await stillServing(target(), serving)).toEqual([]);
  }, 60_000);

  it('answers a newcomer (no 503) while a dozen sources fill the transaction table', async () => {
    const attack = await transactionTableFill(target(), { sources: crowd(50, 12), seconds: 9, newcomer: source(54) });
    expect(attack.problems).toEqual([]);
    expect(await stillServing(target(), serving)).toEqual([]);
  }, 60_000);

  // The gateway's connection table holds 1,000 per transport: fewer would prove nothing today.
  it('lets another address in while one address holds 1,000 half-sent TCP requests and 1,000 idle WebSockets', async () => {
    const attack = await connectionSlotsFromOneAddress(target(), { attacker: ATTACKER, connections: 1000, neighbour: source(55) });
    expect(attack.problems).toEqual([]);
    expect(await stillServing(target(), serving)).toEqual([]);
  }, 60_000);

  it('caps anonymous socket.io connections from one address; the admin still connects', async () => {
    const attack = await anonymousLiveSockets(target(), { attacker: ATTACKER, sockets: 1000 });
    expect(attack.problems).toEqual([]);
    expect(await stillServing(target(), serving)).toEqual([]);
  }, 60_000);
});
