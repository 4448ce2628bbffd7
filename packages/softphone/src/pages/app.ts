/**
 * <camgate-app>: the gateway's UI page. Picks the page from the address, so a deep link
 * survives a reload (the gateway serves this page for `/cameras/<id>` too):
 *   /               the camera list
 *   /cameras/<id>   that camera's page
 */
import { LitElement, html } from 'lit';
import './camera-list.ts';
import './camera-page.ts';

/** The camera id a path names, or null for the list. */
export function cameraOfPath(pathname: string): string | null {
  const match = /^\/cameras\/([a-z0-9][a-z0-9-]{0,31})\/?$/.exec(pathname);
  return match ? match[1]! : null;
}

export class CamgateApp extends LitElement {
  static override properties = { gateway: { type: String } };
  gateway = '';

  // The pages bring their own styles; the shell adds no box of its own.
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override render() {
    const camera = cameraOfPath(location.pathname);
    return camera === null
      ? html`<camgate-camera-list .gateway=${this.gateway}></camgate-camera-list>`
      : html`<camgate-camera-page .gateway=${this.gateway} .camera=${camera}></camgate-camera-page>`;
  }
}

if (!customElements.get('camgate-app')) customElements.define('camgate-app', CamgateApp);

declare global {
  interface HTMLElementTagNameMap {
    'camgate-app': CamgateApp;
  }
}
