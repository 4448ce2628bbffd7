import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.ts';
import { SipStack } from '../../src/sip/sip-stack.ts';
import { freeSipPort } from '../support/ports.ts';

describe('SipStack lifecycle', () => {
  it('close() during start() releases the sockets: the port can be bound again at once', async () => {
    const port = await freeSipPort();
    const options = { logger: createLogger('silent'), udp: { host: '127.0.0.1', port }, tcp: { host: '127.0.0.1', port } };
    const first = new SipStack(options);
    const starting = first.start();
    await first.close();
    await expect(starting).rejects.toThrow(/closed while starting/);

    const second = new SipStack(options);
    await second.start();
    expect(second.ports).toEqual({ udp: port, tcp: port });
    await second.close();
  });
});
