/**
 * The telephone keypad: twelve real buttons named "1".."9", "*", "0", "#". It only reports
 * presses (`camgate-key`); what a key does is up to the softphone.
 */
import { LitElement, html } from 'lit';
import { buttonStyles } from '../../styles/shared.styles.ts';
import { keypadStyles } from './keypad.styles.ts';
import { DTMF_KEYS } from '../../controllers/sip-controller.ts';
import type { DtmfKey } from '../../controllers/sip-controller.ts';

export type KeyEvent = CustomEvent<{ key: DtmfKey }>;

/** How long a key shows as pressed when it came from the physical keyboard. */
const FLASH_MS = 150;

export class CamgateKeypad extends LitElement {
  static override styles = [buttonStyles, keypadStyles];
  static override properties = {
    disabled: { type: Boolean, reflect: true },
    flashed: { state: true },
  };

  /** Keys do nothing while disabled (no call). */
  disabled = false;
  private flashed: DtmfKey | null = null;
  #flashTimer: ReturnType<typeof setTimeout> | null = null;

  /** Shows a key as pressed, for keys typed on the keyboard. */
  flash(key: DtmfKey): void {
    this.flashed = key;
    if (this.#flashTimer !== null) clearTimeout(this.#flashTimer);
    this.#flashTimer = setTimeout(() => (this.flashed = null), FLASH_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.#flashTimer !== null) clearTimeout(this.#flashTimer);
  }

  override render() {
    return DTMF_KEYS.map(
      (key) => html`<button
        type="button"
        class=${this.flashed === key ? 'pressed' : ''}
        ?disabled=${this.disabled}
        @click=${() => this.press(key)}
      >${key}</button>`,
    );
  }

  private press(key: DtmfKey): void {
    this.dispatchEvent(new CustomEvent('camgate-key', { detail: { key }, bubbles: true, composed: true }));
  }
}
