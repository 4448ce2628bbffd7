import { CamgateCameraList } from './camera-list.component.ts';

export { CamgateCameraList };
if (!customElements.get('camgate-camera-list')) customElements.define('camgate-camera-list', CamgateCameraList);

declare global {
  interface HTMLElementTagNameMap {
    'camgate-camera-list': CamgateCameraList;
  }
}
