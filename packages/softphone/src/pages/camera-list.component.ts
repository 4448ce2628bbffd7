/**
 * <camgate-camera-list>: every camera of the gateway (served at `/`). Per camera its name
 * (the link to its page, `/cameras/<id>`), its SIP address, LED and call state live over
 * socket.io (the page watches each camera's room) and a snapshot that refreshes itself.
 * Adds, renames and removes cameras; removing asks first, in the card (its calls end, nothing is kept).
 *
 * Attributes: `gateway` (base URL; default same origin).
 */
import { LitElement, html, nothing } from 'lit';
import type { CameraStatus, CameraView } from '@camgate/protocol';
import { formStyles } from '../components/form/form.styles.ts';
import { GatewayRequests } from '../controllers/gateway-requests.ts';
import { SessionController } from '../controllers/session-controller.ts';
import { SocketController } from '../controllers/socket-controller.ts';
import { resolveGatewayUrl } from '../services/gateway-url.ts';
import { buttonStyles, ledStyles } from '../styles/shared.styles.ts';
import { cameraListStyles } from './camera-list.styles.ts';
import { cameraPageStyles } from './camera-page.styles.ts';

/** How often the thumbnails are taken again. */
const SNAPSHOT_REFRESH_MS = 10_000;

export class CamgateCameraList extends LitElement {
  static override styles = [formStyles, buttonStyles, ledStyles, cameraPageStyles, cameraListStyles];
  static override properties = {
    gateway: { type: String },
    cameras: { state: true },
    statuses: { state: true },
    renaming: { state: true },
    removing: { state: true },
    snapshotAt: { state: true },
  };

  gateway = '';

  private cameras: CameraView[] = [];
  private statuses = new Map<string, CameraStatus>();
  /** The camera whose name is being edited. */
  private renaming: string | null = null;
  /** The camera whose removal waits for confirmation. */
  private removing: string | null = null;
  private snapshotAt = Date.now();
  #snapshotTimer: ReturnType<typeof setInterval> | undefined;
  private readonly requests = new GatewayRequests<'load' | 'add' | 'rename' | 'remove'>(this);

  private readonly socket = new SocketController(this, {
    gateway: () => resolveGatewayUrl(this.gateway),
    autoConnect: false,
    listeners: {
      status: (status) => this.setStatus(status.id, status),
      led: (id, led) => this.patchStatus(id, { led }),
      'call:update': (id, call) => this.patchStatus(id, { calls: [...(this.statuses.get(id)?.calls ?? []).filter((c) => c.callId !== call.callId), call] }),
      'call:ended': (id, call) => this.patchStatus(id, { calls: (this.statuses.get(id)?.calls ?? []).filter((c) => c.callId !== call.callId) }),
      cameras: () => void this.load(),
    },
    onConnect: () => void this.load(),
  });

  private readonly sessions = new SessionController(this, {
    api: () => this.requests.api,
    onSignedIn: () => this.socket.connect(),
    onSignedOut: () => {
      this.socket.disconnect();
      this.cameras = [];
      this.statuses = new Map();
    },
  });

  override connectedCallback(): void {
    super.connectedCallback();
    this.#snapshotTimer = setInterval(() => (this.snapshotAt = Date.now()), SNAPSHOT_REFRESH_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.#snapshotTimer);
  }

  override render() {
    const { session } = this.sessions;
    if (session.state === 'checking') return html`<p role="status">Loading…</p>`;
    if (session.state === 'signed-out') return this.sessions.signInForm();
    return html`
      <header>
        <h1>Cameras</h1>
        <span class="live" role="status" data-state=${this.socket.state}>${this.socket.state === 'connected' ? 'Live' : 'Reconnecting…'}</span>
        <span>Signed in as ${session.username}</span>
        <button type="button" @click=${() => void this.sessions.signOut()}>Sign out</button>
      </header>
      ${this.requests.error ? html`<p class="error" role="alert">${this.requests.error}</p>` : nothing}
      <main class="list">
        <ul class="cameras" aria-label="Cameras">
          ${this.cameras.map((camera) => this.renderCamera(camera))}
        </ul>
        ${this.renderAddForm()}
      </main>
    `;
  }

  private renderCamera(camera: CameraView) {
    const status = this.statuses.get(camera.id);
    const call = status?.calls[0];
    return html`<li class="camera" data-camera=${camera.id}>
      <a href=${`/cameras/${encodeURIComponent(camera.id)}`} class="thumb" aria-label=${`Open ${camera.name}`}>
        <img src=${this.requests.api.snapshotUrl(camera.id, this.snapshotAt)} alt=${`Snapshot of ${camera.name}`} />
      </a>
      <div class="details">
        ${this.renaming === camera.id
          ? html`<form class="rename" @submit=${(e: SubmitEvent) => this.rename(e, camera.id)} aria-label=${`Rename ${camera.name}`}>
              <label for=${`name-${camera.id}`}>Name</label>
              <input id=${`name-${camera.id}`} name="name" .value=${camera.name} required maxlength="64" />
              <button type="submit" class="primary">Save</button>
              <button type="button" @click=${() => (this.renaming = null)}>Cancel</button>
            </form>`
          : html`<h2><a href=${`/cameras/${encodeURIComponent(camera.id)}`} data-role="camera-name">${camera.name}</a></h2>`}
        <div data-role="sip-address">${camera.sipAddress}</div>
        <div>
          <span class="led" data-led=${status?.led ?? 'idle'} data-role="camera-led">${status?.led ?? '…'}</span>
          <span data-role="call-state">${call ? `${call.phase}: ${call.caller}` : 'no call'}</span>
        </div>
        ${this.removing === camera.id
          ? html`<div class="confirm" role="group" aria-label=${`Confirm removing ${camera.name}`}>
              <p>${this.removalQuestion(camera)}</p>
              <div class="buttons">
                <button type="button" class="danger" @click=${() => void this.removeCamera(camera.id)}>Remove camera</button>
                <button type="button" @click=${() => (this.removing = null)}>Keep</button>
              </div>
            </div>`
          : html`<div class="buttons">
              <button type="button" @click=${() => (this.renaming = camera.id)}>Rename</button>
              <button type="button" @click=${() => (this.removing = camera.id)}>Remove</button>
            </div>`}
      </div>
    </li>`;
  }

  private renderAddForm() {
    return html`<section aria-labelledby="add-heading">
      <h2 id="add-heading">Add a camera</h2>
      <form @submit=${this.add} aria-label="Add a camera">
        <div class="field">
          <label for="new-id">Id (its page: /cameras/&lt;id&gt;)</label>
          <input id="new-id" name="id" required pattern="[a-z0-9][a-z0-9\\-]{0,31}" />
        </div>
        <div class="field">
          <label for="new-name">Name</label>
          <input id="new-name" name="name" required maxlength="64" />
        </div>
        <div class="field">
          <label for="new-sip-user">SIP user (empty: the id)</label>
          <input id="new-sip-user" name="sipUser" />
        </div>
        <div class="buttons"><button type="submit" class="primary" ?disabled=${this.requests.busy === 'add'}>Add camera</button></div>
      </form>
    </section>`;
  }

  private async load(): Promise<void> {
    await this.requests.run('load', async () => {
      this.cameras = await this.requests.api.cameras();
      const ids = new Set(this.cameras.map((c) => c.id));
      this.statuses = new Map([...this.statuses].filter(([id]) => ids.has(id)));
      // Each camera's room: its status arrives at once and its changes live.
      await Promise.all(this.cameras.map((camera) => this.socket.watchCamera(camera.id)));
    });
  }

  private readonly add = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const formElement = event.target as HTMLFormElement;
    const form = new FormData(formElement);
    const sipUser = String(form.get('sipUser') ?? '').trim();
    const added = await this.requests.run('add', async () => {
      await this.requests.api.addCamera({ id: String(form.get('id') ?? ''), name: String(form.get('name') ?? ''), ...(sipUser && { sipUser }) });
    });
    if (added) {
      formElement.reset();
      await this.load();
    }
  };

  private async rename(event: SubmitEvent, id: string): Promise<void> {
    event.preventDefault();
    const name = String(new FormData(event.target as HTMLFormElement).get('name') ?? '');
    if (await this.requests.run('rename', async () => void (await this.requests.api.renameCamera(id, name)))) {
      this.renaming = null;
      await this.load();
    }
  }

  private removalQuestion(camera: CameraView): string {
    const calls = this.statuses.get(camera.id)?.calls.length ?? 0;
    const ending = calls > 0 ? ` Its ${calls === 1 ? 'call' : `${calls} calls`} will be ended.` : '';
    return `Remove camera "${camera.name}"?${ending} Its settings, messages, events and call log are deleted.`;
  }

  private async removeCamera(id: string): Promise<void> {
    if (await this.requests.run('remove', () => this.requests.api.removeCamera(id))) {
      this.removing = null;
      await this.load();
    }
  }

  private setStatus(id: string, status: CameraStatus): void {
    this.statuses = new Map(this.statuses).set(id, status);
  }

  private patchStatus(id: string, change: Partial<CameraStatus>): void {
    const status = this.statuses.get(id);
    if (status) this.setStatus(id, { ...status, ...change });
  }
}
