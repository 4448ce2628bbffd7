/**
 * Child process for the last-resort test: a TCP handler throws and a handler's promise
 * rejects, as a bug reached by a peer's input would. With `guarded` the process installs
 * main.ts's guard first, then proves it still serves by answering a second connection.
 */
import { connect, createServer } from 'node:net';
import { installLastResortGuard } from '../../../src/core/last-resort.ts';
import { createLogger } from '../../../src/core/logger.ts';

if (process.argv[2] === 'guarded') installLastResortGuard(createLogger('error'));

let connections = 0;
const server = createServer((socket) => {
  connections += 1;
  if (connections === 1) {
    socket.destroy();
    void Promise.reject(new Error('rejected in a handler'));
    throw new Error('thrown in a handler');
  }
  socket.end('still serving\n');
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  connect(port, '127.0.0.1').on('error', () => undefined);
  setTimeout(() => {
    connect(port, '127.0.0.1').on('data', (data) => {
      process.stdout.write(data);
      server.close();
    });
  }, 200);
});
