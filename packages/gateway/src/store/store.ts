import type { Logger } from '../core/logger.ts';
import { AdminSessionRepository } from './admin-session-repository.ts';
import { AdminUserRepository } from './admin-user-repository.ts';
import { AudioMessageRepository } from './audio-message-repository.ts';
import { CallLogRepository } from './call-log-repository.ts';
import { openDatabase, type SqliteDatabase } from './database.ts';
import { EmailProfileRepository } from './email-profile-repository.ts';
import { EventRepository } from './event-repository.ts';
import { LastCallerRepository } from './last-caller-repository.ts';
import { LockoutRepository } from './lockout-repository.ts';
import { RejectedCallRepository } from './rejected-call-repository.ts';
import { SettingsRepository } from './settings-repository.ts';
import { SoftphoneAccountRepository } from './softphone-account-repository.ts';

/** The gateway's database and one repository per table. The composition root owns and closes it. */
export class Store {
  readonly settings: SettingsRepository;
  readonly audioMessages: AudioMessageRepository;
  readonly emailProfiles: EmailProfileRepository;
  readonly events: EventRepository;
  readonly callLog: CallLogRepository;
  readonly adminUsers: AdminUserRepository;
  readonly softphoneAccounts: SoftphoneAccountRepository;
  readonly lastCaller: LastCallerRepository;
  readonly rejectedCalls: RejectedCallRepository;
  readonly lockouts: LockoutRepository;
  readonly adminSessions: AdminSessionRepository;
  #closed = false;

  private constructor(readonly db: SqliteDatabase, logger: Logger) {
    this.settings = new SettingsRepository(db, logger);
    this.audioMessages = new AudioMessageRepository(db);
    this.emailProfiles = new EmailProfileRepository(db, logger);
    this.events = new EventRepository(db);
    this.callLog = new CallLogRepository(db);
    this.adminUsers = new AdminUserRepository(db);
    this.softphoneAccounts = new SoftphoneAccountRepository(db);
    this.lastCaller = new LastCallerRepository(db);
    this.rejectedCalls = new RejectedCallRepository(db);
    this.lockouts = new LockoutRepository(db);
    this.adminSessions = new AdminSessionRepository(db);
  }

  /** Opens `<dataDir>/camgate.db`, migrating it to the current schema. */
  static open(dataDir: string, logger: Logger): Store {
    return new Store(openDatabase(dataDir, logger), logger);
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.db.close();
  }
}
