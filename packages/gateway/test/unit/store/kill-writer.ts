/**
 * Child process for the crash test: writes through the Store, then dies by SIGKILL with
 * the database still open (no close, no checkpoint), like a `kill -9` or a crash would.
 * argv: <dataDir> [postgres:// URL]
 */
import { FACTORY_SETTINGS } from '@camgate/protocol';
import { createLogger } from '../../../src/core/logger.ts';
import { PIN_LOCKOUT, PinGuard } from '../../../src/camera/pin-guard.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { Store } from '../../../src/store/store.ts';
import { AdminSessions } from '../../../src/web/admin-sessions.ts';

const [dataDir, database] = process.argv.slice(2);
const store = await Store.open(dataDir!, createLogger('silent'), database);
const camera = await store.camera('camera');
await camera.settings.save({ ...FACTORY_SETTINGS, pin: '2468', acceptedCallers: ['+4930123456'] }, 1);
await camera.events.add({ kind: 'user-click', at: 2, detail: 'before the crash', image: { data: Buffer.from('png-bytes'), contentType: 'image/png' } });
void camera.callLog.start('crash-call', '+4930123456', 3);
void camera.callLog.addCommand('crash-call', '1 door opener');
await camera.lastCaller.set({ caller: '+4930123456', at: 4, answered: true });
const guard = new PinGuard(new FakeClock(), PIN_LOCKOUT, { scope: 'pin', repository: store.lockouts });
for (let i = 0; i < PIN_LOCKOUT.MAX_FAILURES; i++) guard.recordFailure({ caller: '+4940999999', address: '203.0.113.9' });
const token = await new AdminSessions(new FakeClock(), store.adminSessions).create('admin');
// Every write above is committed once the outbox is drained.
await store.settled();
process.stdout.write(`written session=${token}\n`);
process.kill(process.pid, 'SIGKILL');
