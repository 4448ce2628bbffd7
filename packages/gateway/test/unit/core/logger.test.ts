import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { createLogger, prettyLine, type LogFormat } from '../../../src/core/logger.ts';

/** A stdout stand-in that is (or is not) a terminal. */
function terminal(isTTY: boolean) {
  const lines: string[] = [];
  const out = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    }),
    { isTTY },
  );
  return { out, lines };
}

function logOnce(format: LogFormat, isTTY: boolean): string[] {
  const { out, lines } = terminal(isTTY);
  const logger = createLogger('info', format, out);
  logger.child({ callId: 'a84b2c1f9e7d@10.0.0.5' }).info({ event: 'key', key: '5', pin: '4711', caller: 'sip:alice@example.com' }, 'key');
  return lines;
}

describe('console log format', () => {
  it('auto: readable lines on a terminal, JSON when stdout is a pipe (CI, tests)', () => {
    const [readable] = logOnce('auto', true);
    const ESC = '\u001b';
    expect(readable!.startsWith(`${ESC}[90m`)).toBe(true); // coloured
    expect(readable).toContain(`${ESC}[32mINFO `);
    const plain = readable!.split(ESC).map((part) => part.replace(/^\[\d+m/, '')).join('');
    expect(plain).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO /);
    expect(plain).toContain('[call a84b2c1f9e7d] key');
    expect(plain).toContain('caller=sip:alice@example.com');
    expect(() => JSON.parse(readable!)).toThrow();
    expect(readable).not.toContain('4711'); // redaction holds in both formats

    const [json] = logOnce('auto', false);
    expect(JSON.parse(json!)).toMatchObject({ level: 30, msg: 'key', callId: 'a84b2c1f9e7d@10.0.0.5', pin: '[redacted]' });
  });

  it('pretty and json can be forced; a pretty line without a terminal has no colour codes', () => {
    const [pretty] = logOnce('pretty', false);
    expect(pretty).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}\[call a84b2c1f9e7d\] key event=key key=5 pin=\[redacted\]/);
    expect(pretty).not.toContain('\u001b');
    expect(prettyLine('{"level":50,"time":0,"msg":"boom","err":{"message":"disk full"}}')).toBe(
      '00:00:00.000 ERROR boom err="disk full"',
    );
  });

  it('never sends a caller\'s control characters (terminal escapes) to the console raw', () => {
    const line = prettyLine(JSON.stringify({ level: 30, time: 0, msg: 'call\u001b[2J', callId: 'x\u001b]0;pwned\u0007', caller: 'a\u009bb' }));
    expect([...line].some((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f))).toBe(false);
    expect(line).toContain('\\u001b');
  });

  it('--log-format takes pretty, json or auto (default)', () => {
    expect(loadConfig([]).logFormat).toBe('auto');
    expect(loadConfig(['--log-format', 'json']).logFormat).toBe('json');
    expect(() => loadConfig(['--log-format', 'fancy'])).toThrow(/--log-format/);
  });
});
