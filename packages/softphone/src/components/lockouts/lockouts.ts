import { CamgateLockouts } from './lockouts.component.ts';

export { CamgateLockouts };
if (!customElements.get('camgate-lockouts')) customElements.define('camgate-lockouts', CamgateLockouts);

declare global {
  interface HTMLElementTagNameMap {
    'camgate-lockouts': CamgateLockouts;
  }
}
