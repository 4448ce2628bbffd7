import { CamgateSoftphone } from './softphone.component.ts';

export { CamgateSoftphone };
if (!customElements.get('camgate-softphone')) customElements.define('camgate-softphone', CamgateSoftphone);

declare global {
  interface HTMLElementTagNameMap {
    'camgate-softphone': CamgateSoftphone;
  }
}
