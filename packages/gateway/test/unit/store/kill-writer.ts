/**
 * Child process for the crash test: writes through the Store, then dies by SIGKILL with
 * the database still open (no close, no checkpoint), like a `kill -9` or a crash would.
 */
import { FACTORY_SETTINGS } from '@camgate/protocol';
import { createLogger } from '../../../src/core/logger.ts';
import { Store } from '../../../src/store/store.ts';

const dataDir = process.argv[2]!;
const store = Store.open(dataDir, createLogger('silent'));
store.settings.save({ ...FACTORY_SETTINGS, pin: '2468', acceptedCallers: ['+4930123456'] }, 1);
store.events.add({ kind: 'user-click', at: 2, detail: 'before the crash', image: { data: Buffer.from('png-bytes'), contentType: 'image/png' } });
store.callLog.start('crash-call', '+4930123456', 3);
store.callLog.addCommand('crash-call', '1 door opener');
store.lastCaller.set({ caller: '+4930123456', at: 4, answered: true });
process.stdout.write('written\n');
process.kill(process.pid, 'SIGKILL');
