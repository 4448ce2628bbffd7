/**
 * The HTML another site pastes to embed the softphone with a named account. It is shown
 * as text and copied by hand, so it is written the way that page's HTML must read.
 */

/** Escapes a value for a double-quoted HTML attribute. */
function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * `gateway` is the gateway's base URL, `camera` the SIP user of the camera to call (left out
 * when empty: the default camera); the password stays a placeholder: it is never stored.
 */
export function embedSnippet(gateway: URL, username: string, camera = ''): string {
  const base = gateway.href.replace(/\/$/, '');
  const cameraAttribute = camera ? ` camera="${attribute(camera)}"` : '';
  return [
    `<script type="module" src="${attribute(new URL('camgate.js', gateway).href)}"></script>`,
    `<camgate-softphone gateway="${attribute(base)}" username="${attribute(username)}" password="PASSWORD"${cameraAttribute}></camgate-softphone>`,
  ].join('\n');
}
