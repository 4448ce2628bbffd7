import type { StoreChange } from '../cluster/store-changes.ts';
import type { Logger } from '../core/logger.ts';
import { AdminSessionRepository } from './admin-session-repository.ts';
import { AdminUserRepository } from './admin-user-repository.ts';
import { AudioMessageRepository } from './audio-message-repository.ts';
import { CallLogRepository } from './call-log-repository.ts';
import { CameraRepository } from './camera-repository.ts';
import { SqliteDatabase } from './database.ts';
import { EmailProfileRepository } from './email-profile-repository.ts';
import { EventRepository } from './event-repository.ts';
import { LastCallerRepository } from './last-caller-repository.ts';
import { LockoutRepository } from './lockout-repository.ts';
import { OutgoingCallsRepository } from './outgoing-calls-repository.ts';
import { Outbox } from './outbox.ts';
import { PostgresDatabase } from './postgres-database.ts';
import { RejectedCallRepository } from './rejected-call-repository.ts';
import { SettingsRepository } from './settings-repository.ts';
import { SoftphoneAccountRepository } from './softphone-account-repository.ts';
import type { DatabaseHealth, SqlDatabase } from './sql.ts';

/** How often a node re-reads what other nodes may have changed on a shared server (see StoreFollower). */
export const SHARED_REFRESH_MS = 5000;
/** How long a closing gateway waits for queued writes while the server is unreachable. */
const CLOSE_DRAIN_MS = 5000;

/**
 * What one camera keeps (its own rows) plus the gateway-wide lists it reads: email profiles
 * to choose from, lock-outs and the refused-call counters.
 */
export interface CameraStore {
  readonly settings: SettingsRepository;
  readonly audioMessages: AudioMessageRepository;
  readonly events: EventRepository;
  readonly callLog: CallLogRepository;
  readonly lastCaller: LastCallerRepository;
  readonly outgoingCalls: OutgoingCallsRepository;
  readonly emailProfiles: EmailProfileRepository;
  readonly lockouts: LockoutRepository;
  readonly rejectedCalls: RejectedCallRepository;
  /** The store's health (a camera's status says when its database is unreachable). */
  health(): StoreHealth;
}

/** What /api/health and a camera's status warnings say while the database server is unreachable. */
export const DATABASE_UNREACHABLE = 'database unreachable';

/** The store's state for /api/health and the camera status. */
export interface StoreHealth extends DatabaseHealth {
  /** Writes queued for the server (retried until it answers). */
  pendingWrites: number;
}

/**
 * The gateway's database and one repository per table; SQLite in the data directory, or a
 * PostgreSQL server shared by several gateways. Every repository answers with Promises; what
 * a call needs at once (settings, accounts, lock-outs) is held in memory by its repository.
 * The composition root owns and closes it.
 */
export class Store {
  readonly cameras: CameraRepository;
  readonly emailProfiles: EmailProfileRepository;
  readonly adminUsers: AdminUserRepository;
  readonly softphoneAccounts: SoftphoneAccountRepository;
  readonly rejectedCalls: RejectedCallRepository;
  readonly lockouts: LockoutRepository;
  readonly adminSessions: AdminSessionRepository;
  readonly #outbox: Outbox;
  #closed = false;

  private constructor(
    readonly db: SqlDatabase,
    private readonly logger: Logger,
  ) {
    const outbox = new Outbox(db, logger.child({ component: 'store' }));
    this.#outbox = outbox;
    this.cameras = new CameraRepository(outbox, logger);
    this.emailProfiles = new EmailProfileRepository(outbox, logger);
    this.adminUsers = new AdminUserRepository(outbox);
    this.softphoneAccounts = new SoftphoneAccountRepository(outbox);
    this.rejectedCalls = new RejectedCallRepository(outbox);
    this.lockouts = new LockoutRepository(outbox);
    this.adminSessions = new AdminSessionRepository(outbox);
  }

  /**
   * Opens the store: `database` is a postgres:// URL, or absent for `<dataDir>/camgate.db`.
   * Migrates the schema and reads what is held in memory.
   */
  static async open(dataDir: string, logger: Logger, database?: string): Promise<Store> {
    const db = database ? await PostgresDatabase.open(database, logger) : SqliteDatabase.open(dataDir, logger);
    const store = new Store(db, logger);
    try {
      await store.refreshShared();
      await store.lockouts.refresh();
    } catch (error) {
      await db.close();
      throw error;
    }
    return store;
  }

  /**
   * The repositories of one camera's rows (see CameraStore), with its settings read into
   * memory: one per running camera (a camera re-created after removal starts from its rows).
   */
  async camera(cameraId: string): Promise<CameraStore> {
    const outbox = this.#outbox;
    const cameraStore: CameraStore = {
      settings: new SettingsRepository(outbox, this.logger, cameraId),
      audioMessages: new AudioMessageRepository(outbox, cameraId),
      events: new EventRepository(outbox, cameraId),
      callLog: new CallLogRepository(outbox, cameraId),
      lastCaller: new LastCallerRepository(outbox, cameraId),
      outgoingCalls: new OutgoingCallsRepository(outbox, this.logger, cameraId),
      emailProfiles: this.emailProfiles,
      lockouts: this.lockouts,
      rejectedCalls: this.rejectedCalls,
      health: () => this.health(),
    };
    await Promise.all([cameraStore.settings.refresh(), cameraStore.outgoingCalls.refresh(), cameraStore.audioMessages.refresh(), cameraStore.events.load()]);
    return cameraStore;
  }

  health(): StoreHealth {
    return { ...this.db.health(), pendingWrites: this.#outbox.pending };
  }

  /** Called whenever the database server becomes unreachable or reachable again. */
  onHealthChange(listener: (health: StoreHealth) => void): void {
    this.db.onHealthChange(() => listener(this.health()));
  }

  /** Resolves once every write queued so far is committed. */
  settled(): Promise<void> {
    return this.#outbox.settled();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Writes still queued get a few seconds to reach the server; then the connection closes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#outbox.close(CLOSE_DRAIN_MS);
    await this.db.close();
  }

  /** Several gateways may write this database (PostgreSQL): what they change must be re-read. */
  get shared(): boolean {
    return this.db.dialect === 'postgres';
  }

  /** Told of every committed write other gateways should re-read (one listener: the cluster's announcer). */
  onCommitted(listener: (change: StoreChange) => void): void {
    this.#outbox.onCommitted = listener;
  }

  /** Gateway-wide rows other nodes change on a shared server and this one reads synchronously. */
  async refreshShared(): Promise<void> {
    await Promise.all([this.adminSessions.refresh(), this.softphoneAccounts.refresh(), this.emailProfiles.refresh()]);
  }
}
