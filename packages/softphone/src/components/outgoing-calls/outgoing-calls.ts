import { CamgateOutgoingCalls } from './outgoing-calls.component.ts';

export { CamgateOutgoingCalls };
if (!customElements.get('camgate-outgoing-calls')) customElements.define('camgate-outgoing-calls', CamgateOutgoingCalls);

declare global {
  interface HTMLElementTagNameMap {
    'camgate-outgoing-calls': CamgateOutgoingCalls;
  }
}
