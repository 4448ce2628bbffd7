/**
 * The Incoming Calls form as data: what the inputs hold, and the protocol schema's verdict
 * on it, field by field. No DOM here; the dialog component renders it.
 */
import { IncomingCallsSettingsSchema, settingsWarnings } from '@camgate/protocol';
import type { IncomingCallsSettings } from '@camgate/protocol';
import type { ApiError } from './api-client.ts';
import { plainMessage } from './issue-messages.ts';

/** The settings, except that the two lists are edited as text, one entry per line. */
export type SettingsDraft = Omit<IncomingCallsSettings, 'answerTo' | 'acceptedCallers'> & {
  answerToText: string;
  acceptedCallersText: string;
};

/** Field key (dotted path without list indexes, e.g. `intercom.cycleTimeMs`) → message. */
export type FieldErrors = ReadonlyMap<string, string>;

export function toDraft(settings: IncomingCallsSettings): SettingsDraft {
  const { answerTo, acceptedCallers, ...rest } = structuredClone(settings);
  return { ...rest, answerToText: answerTo.join('\n'), acceptedCallersText: acceptedCallers.join('\n') };
}

/** Blank lines are ignored: people leave them at the end of a list. */
export function linesOf(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
}

export function fromDraft(draft: SettingsDraft): IncomingCallsSettings {
  const { answerToText, acceptedCallersText, ...rest } = draft;
  return { ...structuredClone(rest), answerTo: linesOf(answerToText), acceptedCallers: linesOf(acceptedCallersText) };
}

export type Validation =
  | { ok: true; settings: IncomingCallsSettings; errors: FieldErrors }
  | { ok: false; errors: FieldErrors };

/** Validates the whole form with the protocol schema and files each issue under its field. */
export function validateDraft(draft: SettingsDraft): Validation {
  const result = IncomingCallsSettingsSchema.safeParse(fromDraft(draft));
  if (result.success) return { ok: true, settings: result.data, errors: new Map() };
  const errors = new Map<string, string>();
  for (const issue of result.error.issues) {
    const { field, message } = describeIssue(issue.path.map(String), plainMessage(issue));
    if (!errors.has(field)) errors.set(field, message);
  }
  return { ok: false, errors };
}

/** The gateway's verdict on a write, filed the same way as local validation. */
export function serverFieldErrors(error: ApiError): FieldErrors {
  const errors = new Map<string, string>();
  const issues = error.issues.length > 0 ? error.issues : error.field ? [{ path: error.field, message: error.message }] : [];
  for (const issue of issues) {
    const { field, message } = describeIssue(issue.path.split('.'), issue.message);
    if (!errors.has(field)) errors.set(field, message);
  }
  return errors;
}

/** Warnings for risky but allowed settings, for what the form holds now. */
export function draftWarnings(draft: SettingsDraft): string[] {
  return settingsWarnings(fromDraft(draft));
}

/**
 * `['acceptedCallers', '2']` → field `acceptedCallers`, "Line 3: …": list entries are
 * edited as lines of one text box, so the line number is what the person can find.
 */
function describeIssue(path: string[], message: string): { field: string; message: string } {
  const index = path.findIndex((segment) => /^\d+$/.test(segment));
  if (index === -1) return { field: path.join('.'), message };
  const field = path.slice(0, index).join('.');
  return { field, message: `Line ${Number(path[index]) + 1}: ${message}` };
}
