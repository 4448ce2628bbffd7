import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../../../src/core/typed-emitter.ts';
import { capturingLogger } from '../../support/log-capture.ts';

class Doorbell extends TypedEmitter<{ ring: [floor: number] }> {
  ring(floor: number): boolean {
    return this.safeEmit('ring', floor);
  }
}

describe('TypedEmitter.safeEmit (mediasoup: a listener that throws cannot break the core, and is logged)', () => {
  it('a throwing listener is logged with the emitter, the event and the error; later listeners still run', () => {
    const { logger, lines } = capturingLogger();
    const bell = new Doorbell({ logger });
    const heard: number[] = [];
    bell.on('ring', () => {
      throw new Error('listener bug');
    });
    bell.on('ring', (floor) => heard.push(floor));
    expect(bell.ring(3)).toBe(true);
    expect(heard).toEqual([3]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, emitter: 'Doorbell', event: 'ring', msg: 'event listener threw' });
    expect((lines[0]!.err as { message: string }).message).toBe('listener bug');
  });
});
