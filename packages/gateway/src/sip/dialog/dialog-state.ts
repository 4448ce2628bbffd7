/**
 * Dialog states (RFC 3261 §12): a UAS dialog is early once a provisional response with a
 * To-tag went out, confirmed with the 2xx, terminated by BYE, a failed INVITE or a
 * timeout. There is no way back.
 */
export type DialogState = 'early' | 'confirmed' | 'terminated';

export const DIALOG_TRANSITIONS: Readonly<Record<DialogState, readonly DialogState[]>> = {
  early: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  terminated: [],
};
