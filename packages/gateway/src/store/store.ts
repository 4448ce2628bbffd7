import type { Logger } from '../core/logger.ts';
import { AdminSessionRepository } from './admin-session-repository.ts';
import { AdminUserRepository } from './admin-user-repository.ts';
import { AudioMessageRepository } from './audio-message-repository.ts';
import { CallLogRepository } from './call-log-repository.ts';
import { CameraRepository } from './camera-repository.ts';
import { openDatabase, type SqliteDatabase } from './database.ts';
import { EmailProfileRepository } from './email-profile-repository.ts';
import { EventRepository } from './event-repository.ts';
import { LastCallerRepository } from './last-caller-repository.ts';
import { LockoutRepository } from './lockout-repository.ts';
import { OutgoingCallsRepository } from './outgoing-calls-repository.ts';
import { RejectedCallRepository } from './rejected-call-repository.ts';
import { SettingsRepository } from './settings-repository.ts';
import { SoftphoneAccountRepository } from './softphone-account-repository.ts';

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
}

/** The gateway's database and one repository per table. The composition root owns and closes it. */
export class Store {
  readonly cameras: CameraRepository;
  readonly emailProfiles: EmailProfileRepository;
  readonly adminUsers: AdminUserRepository;
  readonly softphoneAccounts: SoftphoneAccountRepository;
  readonly rejectedCalls: RejectedCallRepository;
  readonly lockouts: LockoutRepository;
  readonly adminSessions: AdminSessionRepository;
  #closed = false;

  private constructor(
    readonly db: SqliteDatabase,
    private readonly logger: Logger,
  ) {
    this.cameras = new CameraRepository(db, logger);
    this.emailProfiles = new EmailProfileRepository(db, logger);
    this.adminUsers = new AdminUserRepository(db);
    this.softphoneAccounts = new SoftphoneAccountRepository(db);
    this.rejectedCalls = new RejectedCallRepository(db);
    this.lockouts = new LockoutRepository(db);
    this.adminSessions = new AdminSessionRepository(db);
  }

  /** The repositories of one camera's rows (see CameraStore). */
  camera(cameraId: string): CameraStore {
    const { db, logger } = this;
    return {
      settings: new SettingsRepository(db, logger, cameraId),
      audioMessages: new AudioMessageRepository(db, cameraId),
      events: new EventRepository(db, cameraId),
      callLog: new CallLogRepository(db, cameraId),
      lastCaller: new LastCallerRepository(db, cameraId),
      outgoingCalls: new OutgoingCallsRepository(db, cameraId, logger),
      emailProfiles: this.emailProfiles,
      lockouts: this.lockouts,
      rejectedCalls: this.rejectedCalls,
    };
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
