import { CamgateIncomingCalls } from './incoming-calls.component.ts';

export { CamgateIncomingCalls };
if (!customElements.get('camgate-incoming-calls')) customElements.define('camgate-incoming-calls', CamgateIncomingCalls);

declare global {
  interface HTMLElementTagNameMap {
    'camgate-incoming-calls': CamgateIncomingCalls;
  }
}
