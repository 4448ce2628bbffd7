import { CamgateLiveView } from './live-view.component.ts';

export { CamgateLiveView };
if (!customElements.get('camgate-live-view')) customElements.define('camgate-live-view', CamgateLiveView);

declare global {
  interface HTMLElementTagNameMap {
    'camgate-live-view': CamgateLiveView;
  }
}
