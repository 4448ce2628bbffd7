/**
 * Accessible form-field plumbing: every input names its error message with
 * aria-describedby and says aria-invalid, so a screen reader reads the problem with the field.
 */
import { html, nothing } from 'lit';
import type { LitElement, TemplateResult } from 'lit';

/** A field key such as `intercom.cycleTimeMs` as an element id. */
export function fieldId(field: string): string {
  return `f-${field.replace(/\./g, '-')}`;
}

export function errorId(field: string): string {
  return `${fieldId(field)}-error`;
}

export function ariaInvalid(error: string | undefined): 'true' | 'false' {
  return error ? 'true' : 'false';
}

/** The ids describing a field: its error first (when there is one), then its hint. */
export function describedBy(field: string, error: string | undefined, hint = false): string | typeof nothing {
  const ids = [error ? errorId(field) : '', hint ? `${fieldId(field)}-hint` : ''].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : nothing;
}

export function fieldError(field: string, error: string | undefined) {
  return error ? html`<p class="field-error" id=${errorId(field)}>${error}</p>` : nothing;
}

export function fieldHint(field: string, text: string) {
  return html`<p class="hint" id=${`${fieldId(field)}-hint`}>${text}</p>`;
}

/** One form row: the label, then the control with its hint and error under it. */
export function fieldRow(field: string, label: string, control: TemplateResult, error: string | undefined, hint?: string) {
  return html`<div class="field">
    <label for=${fieldId(field)}>${label}</label>
    <div class="control">${control} ${hint ? fieldHint(field, hint) : nothing} ${fieldError(field, error)}</div>
  </div>`;
}

/** Takes the person to the first field that says it is invalid, once the form has rendered. */
export async function focusFirstInvalid(form: LitElement): Promise<void> {
  await form.updateComplete;
  form.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}
