/**
 * <camgate-camera-page>: the camera's web UI. Sign-in, then live status over socket.io
 * (LED, SIP address and provider registration, outputs, calls, events, warnings), the
 * softphone and its accounts for other sites, the Incoming Calls dialog, recent events with
 * their pictures and the call log. What callers sent (caller, event details) is shown as text.
 *
 * Attributes: `gateway` (base URL; default same origin), `camera` (the camera id; default
 * the default camera `camera`). Served at `/cameras/<id>`.
 */
import { LitElement, html, nothing } from 'lit';
import type {
  CallInfo,
  CallLogEntry,
  CallOutStatus,
  CameraEvent,
  CameraStatus,
  CameraView,
  LastCaller,
  OutputName,
  OutputState,
  RejectedCalls,
} from '@camgate/protocol';
import { formStyles } from '../components/form/form.styles.ts';
import { buttonStyles, definitionListStyles, ledStyles } from '../styles/shared.styles.ts';
import { cameraPageStyles } from './camera-page.styles.ts';
import '../components/softphone/softphone.ts';
import '../components/incoming-calls/incoming-calls.ts';
import '../components/outgoing-calls/outgoing-calls.ts';
import '../components/softphone-accounts/softphone-accounts.ts';
import '../components/lockouts/lockouts.ts';
import '../components/live-view/live-view.ts';
import { GatewayRequests } from '../controllers/gateway-requests.ts';
import { SocketController } from '../controllers/socket-controller.ts';
import { SessionController } from '../controllers/session-controller.ts';
import type { SocketState } from '../controllers/socket-controller.ts';
import { resolveGatewayUrl } from '../services/gateway-url.ts';
import { formatDuration, formatTime } from '../services/format.ts';

const RECENT_EVENTS = 12;
const RECENT_CALLS = 20;

const OUTPUT_LABELS: Record<OutputName, string> = { door: 'Door opener', light: 'Light' };
const REGISTRATION_LABELS: Record<CameraStatus['registration']['state'], string> = {
  disabled: 'not used',
  registering: 'registering…',
  registered: 'registered',
  failed: 'registration failed',
};
const SOCKET_LABELS: Record<SocketState, string> = {
  connected: 'Live',
  connecting: 'Reconnecting…',
  disconnected: 'Offline',
};

export class CamgateCameraPage extends LitElement {
  static override styles = [formStyles, buttonStyles, ledStyles, definitionListStyles, cameraPageStyles];
  static override properties = {
    gateway: { type: String },
    camera: { type: String },
    view: { state: true },
    status: { state: true },
    events: { state: true },
    calls: { state: true },
    refused: { state: true },
    lastCaller: { state: true },
    settingsOpen: { state: true },
    outgoingOpen: { state: true },
  };

  gateway = '';
  /** The camera id; empty = the default camera. */
  camera = '';

  private view: CameraView | null = null;
  private status: CameraStatus | null = null;
  private events: CameraEvent[] = [];
  private calls: CallLogEntry[] = [];
  private refused: RejectedCalls[] = [];
  private lastCaller: LastCaller = null;
  private settingsOpen = true;
  private outgoingOpen = false;
  private readonly requests = new GatewayRequests<'load' | 'trigger'>(this);

  private readonly socket = new SocketController(this, {
    gateway: () => resolveGatewayUrl(this.gateway),
    autoConnect: false,
    // Events of other cameras (the gateway sends only watched ones) are ignored all the same.
    listeners: {
      status: (status) => {
        if (status.id === this.cameraId) this.status = status;
      },
      led: (id, led) => this.mine(id) && this.patchStatus({ led }),
      'call:update': (id, call) => this.mine(id) && this.upsertCall(call),
      'call:ended': (id, call) => this.mine(id) && this.endCall(call),
      output: (id, output) => this.mine(id) && this.upsertOutput(output),
      event: (id, event) => {
        if (!this.mine(id)) return;
        this.events = [event, ...this.events.filter((e) => e.id !== event.id)].slice(0, RECENT_EVENTS);
        this.patchStatus({ lastEventAt: event.at });
      },
      'last-caller': (id, last) => {
        if (!this.mine(id)) return;
        this.lastCaller = last;
        if (last && !last.answered) void this.requests.api.rejectedCalls(RECENT_CALLS).then((refused) => (this.refused = refused), () => undefined);
      },
    },
    // Watch this camera (its socket.io room); anything missed while the socket was down is fetched again.
    onConnect: () => {
      void this.socket.watchCamera(this.cameraId);
      void this.loadCamera();
    },
  });

  private readonly sessions = new SessionController(this, {
    api: () => this.requests.api,
    // A fresh socket carries the new session cookie; its connect handler loads the camera.
    onSignedIn: () => this.socket.connect(),
    onSignedOut: () => {
      this.socket.disconnect();
      this.status = null;
      this.events = [];
      this.calls = [];
      this.refused = [];
    },
  });

  private get cameraId(): string {
    return this.camera || 'camera';
  }

  private mine(cameraId: string): boolean {
    return cameraId === this.cameraId;
  }

  override render() {
    const { session } = this.sessions;
    switch (session.state) {
      case 'checking':
        return html`<p role="status">Loading…</p>`;
      case 'signed-out':
        return this.sessions.signInForm();
      case 'signed-in':
        return this.renderCamera(session.username);
    }
  }

  private renderCamera(username: string) {
    const status = this.status;
    return html`
      <header>
        <a class="back" href="/">All cameras</a>
        <h1>${status?.name ?? 'Camera'}</h1>
        <span class="live" role="status" data-state=${this.socket.state}>${SOCKET_LABELS[this.socket.state]}</span>
        <span>Signed in as ${username}</span>
        <button type="button" @click=${() => void this.sessions.signOut()}>Sign out</button>
      </header>
      ${this.requests.error ? html`<p class="error" role="alert">${this.requests.error}</p>` : nothing}
      <main>
        <div class="column">
          <camgate-live-view .socket=${this.socket.connection} .camera=${this.cameraId}></camgate-live-view>
          ${this.renderStatus(status)} ${this.renderOutputs(status?.outputs ?? [])} ${this.renderBell(status?.callOuts ?? [])}
          ${this.view ? html`<camgate-softphone .gateway=${this.gateway} .camera=${this.view.sipUser}></camgate-softphone>` : nothing}
          ${this.renderActiveCalls(status?.calls ?? [])}
        </div>
        <div class="column">
          ${this.settingsOpen
            ? html`<camgate-incoming-calls
                .gateway=${this.gateway}
                .camera=${this.cameraId}
                .lastCaller=${this.lastCaller}
                @camgate-close=${() => (this.settingsOpen = false)}
                @camgate-settings-changed=${() => void this.loadCamera()}
              ></camgate-incoming-calls>`
            : html`<section>
                <h2>Incoming Calls</h2>
                <button type="button" @click=${() => (this.settingsOpen = true)}>Incoming Calls Settings</button>
              </section>`}
          ${this.outgoingOpen
            ? html`<camgate-outgoing-calls .gateway=${this.gateway} .camera=${this.cameraId} @camgate-close=${() => (this.outgoingOpen = false)}></camgate-outgoing-calls>`
            : html`<section>
                <h2>Outgoing Calls</h2>
                <button type="button" @click=${() => (this.outgoingOpen = true)}>Outgoing Calls Settings</button>
              </section>`}
          ${this.renderEvents()} ${this.renderCallLog()} ${this.renderRefusedCalls()}
          <camgate-lockouts .gateway=${this.gateway}></camgate-lockouts>
          <camgate-softphone-accounts .gateway=${this.gateway} .cameraSipUser=${this.view?.sipUser ?? ''}></camgate-softphone-accounts>
        </div>
      </main>
    `;
  }

  private renderStatus(status: CameraStatus | null) {
    if (!status) return html`<section aria-label="Camera status"><p role="status">Loading the camera status…</p></section>`;
    return html`<section aria-labelledby="status-heading">
      <h2 id="status-heading">Camera</h2>
      <dl>
        <dt>SIP address</dt>
        <dd data-role="sip-address">${status.sipAddress}</dd>
        <dt>LED</dt>
        <dd><span class="led" data-led=${status.led} data-role="camera-led">${status.led}</span></dd>
        <dt>SIP provider</dt>
        <dd data-role="registration" data-state=${status.registration.state}>
          ${REGISTRATION_LABELS[status.registration.state]}${status.registration.aor ? ` as ${status.registration.aor}` : ''}
          ${status.registration.detail ? html`<span class="hint">${status.registration.detail}</span>` : nothing}
        </dd>
        <dt>Internet</dt>
        <dd>${status.internet}</dd>
        <dt>Last event</dt>
        <dd data-role="last-event">${status.lastEventAt ? formatTime(status.lastEventAt) : 'none'}</dd>
      </dl>
      ${status.warnings.length > 0
        ? html`<div class="warnings" role="status" aria-label="Camera warnings">${status.warnings.map((w) => html`<p>${w}</p>`)}</div>`
        : nothing}
      ${status.settingsDirty ? html`<p class="hint">Some settings are active but not stored permanently.</p>` : nothing}
    </section>`;
  }

  private renderOutputs(outputs: OutputState[]) {
    return html`<section class="outputs" aria-labelledby="outputs-heading">
      <h2 id="outputs-heading">Outputs</h2>
      <ul>
        ${outputs.map(
          (o) => html`<li data-output=${o.name}>
            <span>${OUTPUT_LABELS[o.name]}:</span>
            <span class="output-state" data-active=${o.active ? 'true' : 'false'}>${o.active ? 'active' : 'off'}</span>
            ${o.active && o.offAt !== null ? html`<span class="hint output-until">until ${formatTime(o.offAt)}</span>` : nothing}
            <button type="button" @click=${() => this.trigger(o.name)}>Trigger ${OUTPUT_LABELS[o.name].toLowerCase()}</button>
          </li>`,
        )}
      </ul>
    </section>`;
  }

  /** The bell input and who the camera is calling (which targets ring, who answered). */
  private renderBell(callOuts: CallOutStatus[]) {
    return html`<section class="bell" aria-labelledby="bell-heading">
      <h2 id="bell-heading">Bell</h2>
      <button type="button" class="ring" @click=${this.ring}>Ring</button>
      ${callOuts.length === 0
        ? html`<p class="hint">No call-out yet.</p>`
        : html`<ul data-role="call-outs">
            ${callOuts.map(
              (c) => html`<li data-call-out=${c.id} data-done=${c.done ? 'true' : 'false'}>
                ${c.profileName} (${c.trigger}, ${formatTime(c.startedAt)}):
                ${c.targets.map((t) => html`<span class="call-out-target" data-state=${t.state}>${t.target}: ${t.state}</span> `)}
                ${c.done ? (c.answeredBy ? `taken by ${c.answeredBy}` : 'nobody answered') : nothing}
              </li>`,
            )}
          </ul>`}
    </section>`;
  }

  private async ring(): Promise<void> {
    await this.requests.run('trigger', async () => {
      await this.requests.api.ring();
    });
  }

  private renderActiveCalls(calls: CallInfo[]) {
    return html`<section aria-labelledby="calls-heading">
      <h2 id="calls-heading">Calls now</h2>
      ${calls.length === 0
        ? html`<p class="hint">No call.</p>`
        : html`<ul>
            ${calls.map((c) => html`<li>${c.caller} – ${c.phase}, ${c.audioMode} (${c.transport})</li>`)}
          </ul>`}
    </section>`;
  }

  private renderEvents() {
    return html`<section class="events" aria-labelledby="events-heading">
      <h2 id="events-heading">Recent events</h2>
      ${this.events.length === 0
        ? html`<p class="hint">No events yet.</p>`
        : html`<ul>
            ${this.events.map(
              (e) => html`<li>
                ${e.hasImage
                  ? html`<img src=${this.requests.api.eventImageUrl(e.id)} alt=${`Picture of the ${e.kind} event at ${formatTime(e.at)}`} />`
                  : nothing}
                <div>
                  <strong>${e.kind}</strong> <span class="hint">${formatTime(e.at)}</span>
                  <div>${e.detail}</div>
                </div>
              </li>`,
            )}
          </ul>`}
    </section>`;
  }

  private renderCallLog() {
    return html`<section aria-labelledby="log-heading">
      <h2 id="log-heading">Call log</h2>
      <div class="table-wrap">
        <table class="stack" role="table" aria-labelledby="log-heading">
          <thead role="rowgroup">
            <tr role="row">
              ${['Started', 'Caller', 'Duration', 'Outcome', 'Commands'].map((name) => html`<th role="columnheader" scope="col">${name}</th>`)}
            </tr>
          </thead>
          <tbody role="rowgroup">
            ${this.calls.map(
              (c) => html`<tr role="row">
                <td role="cell">${formatTime(c.startedAt)}</td>
                <td role="cell" data-label="Caller">${c.caller}</td>
                <td role="cell" data-label="Duration">${c.endedAt ? formatDuration(c.endedAt - c.startedAt) : 'in progress'}</td>
                <td role="cell" data-label="Outcome">${c.outcome ?? ''}</td>
                <td role="cell" data-label="Commands">${c.commands.join(', ')}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </section>`;
  }

  /** Refused calls, one row per source address and reason: a flood shows as one growing count. */
  private renderRefusedCalls() {
    if (this.refused.length === 0) return nothing;
    return html`<section aria-labelledby="refused-heading">
      <h2 id="refused-heading">Refused calls</h2>
      <div class="table-wrap">
        <table class="stack" role="table" aria-labelledby="refused-heading">
          <thead role="rowgroup">
            <tr role="row">
              ${['Last', 'From address', 'Reason', 'Calls', 'Last caller'].map((name) => html`<th role="columnheader" scope="col">${name}</th>`)}
            </tr>
          </thead>
          <tbody role="rowgroup">
            ${this.refused.map(
              (r) => html`<tr role="row">
                <td role="cell">${formatTime(r.lastAt)}</td>
                <td role="cell" data-label="From address">${r.source}</td>
                <td role="cell" data-label="Reason">${r.reason}</td>
                <td role="cell" data-label="Calls">${r.count}</td>
                <td role="cell" data-label="Last caller">${r.lastCaller}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </section>`;
  }

  private async loadCamera(): Promise<void> {
    await this.requests.run('load', async () => {
      const [view, status, events, calls, refused, lastCaller] = await Promise.all([
        this.requests.api.cameraView(),
        this.requests.api.status(),
        this.requests.api.events(RECENT_EVENTS),
        this.requests.api.calls(RECENT_CALLS),
        this.requests.api.rejectedCalls(RECENT_CALLS),
        this.requests.api.lastCaller(),
      ]);
      this.view = view;
      this.status = status;
      this.events = events;
      this.calls = calls;
      this.refused = refused;
      this.lastCaller = lastCaller;
    });
  }

  private async trigger(name: OutputName): Promise<void> {
    await this.requests.run('trigger', async () => {
      this.upsertOutput(await this.requests.api.triggerOutput(name));
    });
  }

  private patchStatus(change: Partial<CameraStatus>): void {
    if (this.status) this.status = { ...this.status, ...change };
  }

  private upsertOutput(output: OutputState): void {
    if (!this.status) return;
    const others = this.status.outputs.filter((o) => o.name !== output.name);
    this.patchStatus({ outputs: [...others, output].sort((a, b) => a.name.localeCompare(b.name)) });
  }

  private upsertCall(call: CallInfo): void {
    if (!this.status) return;
    const others = this.status.calls.filter((c) => c.callId !== call.callId);
    this.patchStatus({ calls: [...others, call] });
  }

  private endCall(call: CallInfo): void {
    if (this.status) this.patchStatus({ calls: this.status.calls.filter((c) => c.callId !== call.callId) });
    void this.requests.api.calls(RECENT_CALLS).then((calls) => (this.calls = calls), () => undefined);
    // A call ended by wrong PINs is when a lock-out begins.
    void this.renderRoot.querySelector('camgate-lockouts')?.reload();
  }
}
