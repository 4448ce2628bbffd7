import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../src/core/clock.ts';
import { BURST_QUIET_MS, IngressGuard, isScannerUserAgent } from '../../../../src/sip/transport/ingress-guard.ts';
import { StreamFramer } from '../../../../src/sip/transport/stream-framer.ts';
import { capturingLogger } from '../../../support/log-capture.ts';

const message = (body: string) => `MESSAGE sip:a@b SIP/2.0\r\nl: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('RFC 3261 18.3 stream framing', () => {
  it('delivers the same messages whether bytes arrive one by one or all at once', () => {
    const stream = Buffer.from(message('héllo\r\n\r\nbody') + '\r\n\r\n' + message('') + '\r\n' + message('x'));
    const whole = new StreamFramer().push(stream);
    const framer = new StreamFramer();
    const bytewise = [...stream].flatMap((byte) => framer.push(Buffer.from([byte])));
    expect(bytewise).toEqual(whole);
    expect(whole.map((u) => (u.kind === 'message' ? u.data.toString() : u.kind))).toEqual([
      message('héllo\r\n\r\nbody'),
      'ping',
      message(''),
      message('x'),
    ]);
  });

  it('stays linear when a peer trickles a huge message one byte at a time (no rescan per byte)', () => {
    // ~60 KiB of header lines, then a body: 64k single-byte chunks. A rescan per chunk took over a minute.
    const header = `MESSAGE sip:a@b SIP/2.0\r\n${'X-Pad: a\r\n'.repeat(5000)}l: 4000\r\n\r\n`;
    const stream = Buffer.from(header + 'b'.repeat(4000));
    const framer = new StreamFramer();
    const started = performance.now();
    const units = [...stream].flatMap((byte) => framer.push(Buffer.from([byte])));
    expect(performance.now() - started).toBeLessThan(3000);
    expect(units).toHaveLength(1);
    expect(units[0]).toEqual({ kind: 'message', data: stream });
  });

  it('loses framing without Content-Length or beyond 64 KiB: a "broken" unit with the head, then nothing more', () => {
    const noLength = 'OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n';
    const framer = new StreamFramer();
    expect(framer.push(Buffer.from(noLength))).toEqual([{ kind: 'broken', error: expect.objectContaining({ status: 400, reason: 'Missing Content-Length' }), head: Buffer.from(noLength) }]);
    expect(framer.push(Buffer.from(message('')))).toEqual([]);
    expect(framer.partial).toBe(false);
    const [tooLarge] = new StreamFramer().push(Buffer.from(message('').replace('l: 0', 'l: 70000')));
    expect(tooLarge).toMatchObject({ kind: 'broken', error: { status: 513 } });
    const [endless] = new StreamFramer().push(Buffer.from(`MESSAGE sip:a@b SIP/2.0\r\n${'X: y\r\n'.repeat(12_000)}`));
    expect(endless).toEqual({ kind: 'broken', error: expect.objectContaining({ status: 513 }) });
  });

  it('a valid message before a broken one in the same segment is still delivered, whole', () => {
    const valid = message('ok');
    const units = new StreamFramer().push(Buffer.from(valid + 'OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n'));
    expect(units.map((u) => u.kind)).toEqual(['message', 'broken']);
    expect(units[0]).toEqual({ kind: 'message', data: Buffer.from(valid) });
  });

  it('reports a partly received message (for the message deadline)', () => {
    const framer = new StreamFramer();
    framer.push(Buffer.from('MESSAGE sip:a@b SIP/2.0\r\nl: 2\r\n\r\nx'));
    expect(framer.partial).toBe(true);
    framer.push(Buffer.from('y'));
    expect(framer.partial).toBe(false);
  });
});

describe('ingress guard', () => {
  it('token bucket: a burst is admitted, then the sustained rate', () => {
    const clock = new FakeClock();
    const guard = new IngressGuard(clock, capturingLogger().logger, { ratePerSecond: 10, burst: 5 });
    const verdicts = Array.from({ length: 7 }, () => guard.admit('198.51.100.1'));
    expect(verdicts).toEqual(['admit', 'admit', 'admit', 'admit', 'admit', 'drop', 'drop']);
    expect(guard.admit('198.51.100.2')).toBe('admit');
    clock.advance(100);
    expect(guard.admit('198.51.100.1')).toBe('admit');
    expect(guard.admit('198.51.100.1')).toBe('drop');
  });

  it('a flood at 4x the rate for 10 s logs two lines per source: the burst start, and its end with the count', () => {
    const clock = new FakeClock();
    const { logger, lines } = capturingLogger();
    const guard = new IngressGuard(clock, logger, { ratePerSecond: 50, burst: 100 });
    let dropped = 0;
    for (let ms = 0; ms < 10_000; ms += 5) {
      for (const source of ['198.51.100.1', '198.51.100.2']) if (guard.admit(source) === 'drop') dropped++;
      clock.advance(5);
    }
    expect(lines.filter((l) => l.msg === 'rate limit exceeded, dropping')).toHaveLength(2);
    expect(lines.filter((l) => l.msg === 'rate limit burst ended')).toHaveLength(0); // still flooding
    clock.advance(BURST_QUIET_MS);
    const ends = lines.filter((l) => l.msg === 'rate limit burst ended');
    expect(ends.map((l) => l.remoteAddress).sort()).toEqual(['198.51.100.1', '198.51.100.2']);
    expect(ends.reduce((sum, l) => sum + (l.dropped as number), 0)).toBe(dropped);
    expect(lines).toHaveLength(4);
    expect(clock.pendingTimers).toBe(0);
  });

  it('never limits a trusted address (IPv4 also as ::ffff:-mapped) until its last holder releases it', () => {
    const guard = new IngressGuard(new FakeClock(), capturingLogger().logger, { ratePerSecond: 1, burst: 1 });
    const releaseA = guard.trust('203.0.113.5');
    const releaseB = guard.trust('203.0.113.5');
    const burst = (address: string) => Array.from({ length: 5 }, () => guard.admit(address));
    expect(burst('203.0.113.5')).toEqual(Array(5).fill('admit'));
    expect(burst('::ffff:203.0.113.5')).toEqual(Array(5).fill('admit'));
    releaseA();
    releaseA(); // releasing twice does not drop the other holder's trust
    expect(burst('203.0.113.5')).toEqual(Array(5).fill('admit'));
    releaseB();
    expect(burst('203.0.113.5')).toEqual(['admit', 'drop', 'drop', 'drop', 'drop']);
  });

  it('recognises scanner User-Agents but not sipsak or sipp', () => {
    for (const ua of ['friendly-scanner', 'sipcli/v1.8', 'sipvicious', 'VaxSIPUserAgent/3.1', 'iWar', 'sip-scan']) expect(isScannerUserAgent(ua)).toBe(true);
    for (const ua of ['sipsak 0.9.8', 'sipp', 'JsSIP 3.10.0', 'baresip v3.0.0', undefined]) expect(isScannerUserAgent(ua)).toBe(false);
  });
});
