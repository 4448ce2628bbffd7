import { IncomingCallsSettingsSchema, type IncomingCallsSettings } from '@camgate/protocol';
import type { Logger } from '../core/logger.ts';
import type { Outbox } from './outbox.ts';
import { StoredSetting } from './stored-setting.ts';

/** One camera's permanently stored Incoming Calls settings ("store" on the help page). */
export class SettingsRepository extends StoredSetting<IncomingCallsSettings> {
  constructor(outbox: Outbox, logger: Logger, cameraId: string) {
    super(outbox, logger, cameraId, 'incoming-calls', IncomingCallsSettingsSchema);
  }
}
