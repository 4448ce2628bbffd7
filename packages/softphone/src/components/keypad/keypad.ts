import { CamgateKeypad } from './keypad.component.ts';

export { CamgateKeypad };
if (!customElements.get('camgate-keypad')) customElements.define('camgate-keypad', CamgateKeypad);

declare global {
  interface HTMLElementTagNameMap {
    'camgate-keypad': CamgateKeypad;
  }
}
