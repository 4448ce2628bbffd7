import { describe, expect, it } from 'vitest';
import { FACTORY_SETTINGS } from '@camgate/protocol';
import { ApiError } from '../../src/services/api-client.ts';
import { draftWarnings, fromDraft, serverFieldErrors, toDraft, validateDraft } from '../../src/services/settings-form.ts';

describe('the Incoming Calls form', () => {
  it('edits the accepted list as lines, ignoring blank ones', () => {
    const draft = { ...toDraft(FACTORY_SETTINGS), acceptedCallersText: 'sip:alice@example.org\n\n +4930123 \n' };
    expect(fromDraft(draft).acceptedCallers).toEqual(['sip:alice@example.org', '+4930123']);
    expect(toDraft(fromDraft(draft)).acceptedCallersText).toBe('sip:alice@example.org\n+4930123');
  });

  it('accepts the factory settings as they are', () => {
    const validation = validateDraft(toDraft(FACTORY_SETTINGS));
    expect(validation.ok).toBe(true);
    expect(validation.errors.size).toBe(0);
  });

  it('files each problem under its field, with the line of a bad list entry', () => {
    const draft = {
      ...toDraft(FACTORY_SETTINGS),
      pin: '12ab',
      acceptedCallersText: 'sip:alice@example.org\n<sip:bob@example.org>',
      intercom: { thresholdPercent: 5, cycleTimeMs: Number.NaN },
      hangupAfterSeconds: 5,
    };
    const { errors, ok } = validateDraft(draft);
    expect(ok).toBe(false);
    expect(errors.get('pin')).toBe('PIN must be empty or 4 to 12 digits');
    expect(errors.get('acceptedCallers')).toMatch(/^Line 2: one phone number or SIP address per line/);
    expect(errors.get('intercom.cycleTimeMs')).toBe('Enter a number.');
    expect(errors.get('hangupAfterSeconds')).toBe('Must be at least 15.');
  });

  it('places the gateway’s field errors the same way', () => {
    const error = new ApiError(400, 'acceptedCallers.2: bad', 'acceptedCallers.2', [{ path: 'acceptedCallers.2', message: 'bad entry' }]);
    expect(serverFieldErrors(error).get('acceptedCallers')).toBe('Line 3: bad entry');
    expect(serverFieldErrors(new ApiError(400, 'unknown message', 'welcomeMessageId')).get('welcomeMessageId')).toBe('unknown message');
  });

  it('warns about an empty accepted list and an empty PIN while calls are on', () => {
    const risky = toDraft({ ...FACTORY_SETTINGS, enabled: true, pin: '', acceptedCallers: [] });
    expect(draftWarnings(risky)).toHaveLength(2);
    expect(draftWarnings({ ...risky, pin: '1234', acceptedCallersText: '+4930123' })).toEqual([]);
  });
});
