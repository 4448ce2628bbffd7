import { CamgateCameraPage } from './camera-page.component.ts';

export { CamgateCameraPage };
if (!customElements.get('camgate-camera-page')) customElements.define('camgate-camera-page', CamgateCameraPage);

declare global {
  interface HTMLElementTagNameMap {
    'camgate-camera-page': CamgateCameraPage;
  }
}
