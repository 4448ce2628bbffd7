/**
 * <camgate-live-view>: the camera's live picture, without a call. Rides on the page's
 * socket.io connection (property `socket`, the page's SocketController socket; signed-in
 * admins only); says "Video unavailable: <reason>" while the source is down and plays
 * again by itself when it returns.
 */
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import type { CamgateSocket } from '../../controllers/socket-controller.ts';
import { LiveViewController, type LiveViewState } from './live-view-controller.ts';
import { liveViewStyles } from './live-view.styles.ts';

export class CamgateLiveView extends LitElement {
  static override styles = [liveViewStyles];
  static override properties = {
    socket: { attribute: false },
    camera: { type: String },
  };

  socket: CamgateSocket | null = null;
  /** The camera id to watch; empty = the default camera. */
  camera = '';

  private readonly view = new LiveViewController(this);

  override willUpdate(changed: PropertyValues<this>): void {
    this.view.cameraId = this.camera || 'camera';
    if (changed.has('socket')) this.view.setSocket(this.socket);
  }

  override updated(): void {
    const video = this.renderRoot.querySelector('video');
    if (video && video.srcObject !== this.view.stream) {
      video.srcObject = this.view.stream;
      if (this.view.stream) video.play().catch(() => undefined);
    }
  }

  override render() {
    const { state } = this.view;
    return html`<section aria-label="Live video" data-state=${state.state}>
      <div class="frame">
        <video muted playsinline autoplay aria-label="Live camera picture"></video>
        ${state.state === 'playing' ? nothing : html`<p class="message" role="status">${message(state)}</p>`}
      </div>
    </section>`;
  }
}

function message(state: LiveViewState): string {
  switch (state.state) {
    case 'idle':
      return 'Video off.';
    case 'connecting':
      return 'Connecting to the video…';
    case 'unavailable':
      return `Video unavailable: ${state.reason}`;
    case 'playing':
      return '';
  }
}
