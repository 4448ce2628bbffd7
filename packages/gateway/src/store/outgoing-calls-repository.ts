import { OutgoingCallsSettingsSchema, type OutgoingCallsSettings } from '@camgate/protocol';
import type { Logger } from '../core/logger.ts';
import type { Outbox } from './outbox.ts';
import { StoredSetting } from './stored-setting.ts';

/** The permanently stored Outgoing Calls settings of one camera (a row of the settings table). */
export class OutgoingCallsRepository extends StoredSetting<OutgoingCallsSettings> {
  constructor(outbox: Outbox, logger: Logger, cameraId: string) {
    super(outbox, logger, cameraId, 'outgoing-calls', OutgoingCallsSettingsSchema);
  }
}
