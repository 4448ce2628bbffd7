/**
 * <camgate-softphone-accounts>: the named softphone accounts the gateway keeps for
 * softphones embedded in other sites. Lists them (never a password: the gateway keeps only
 * a digest), adds one or gives it a new password and the cameras it may call, deletes one,
 * and shows the HTML another page pastes to embed the softphone with it. Everything shown is
 * text, never HTML.
 *
 * Attributes: `gateway` (base URL; default same origin).
 */
import { LitElement, html, nothing } from 'lit';
import { SoftphoneAccountNameSchema, SoftphoneAccountRequestSchema } from '@camgate/protocol';
import type { CameraView, SoftphoneAccountView } from '@camgate/protocol';
import { formStyles } from '../form/form.styles.ts';
import { ariaInvalid, describedBy, fieldError, fieldId, fieldRow, focusFirstInvalid } from '../form/field.ts';
import { buttonStyles, panelStyles } from '../../styles/shared.styles.ts';
import { softphoneAccountsStyles } from './softphone-accounts.styles.ts';
import { GatewayRequests } from '../../controllers/gateway-requests.ts';
import { ApiError } from '../../services/api-client.ts';
import { embedSnippet } from '../../services/embed-snippet.ts';
import { errorMessage } from '../../services/error-message.ts';
import { formatTime } from '../../services/format.ts';
import { resolveGatewayUrl } from '../../services/gateway-url.ts';

type Field = 'username' | 'password' | 'cameras';

export class CamgateSoftphoneAccounts extends LitElement {
  static override styles = [panelStyles, formStyles, buttonStyles, softphoneAccountsStyles];
  static override properties = {
    gateway: { type: String },
    cameraSipUser: { type: String },
    accounts: { state: true },
    cameras: { state: true },
    username: { state: true },
    password: { state: true },
    onlyCameras: { state: true },
    chosenCameras: { state: true },
    errors: { state: true },
    shown: { state: true },
    notice: { state: true },
  };

  gateway = '';
  /** The SIP user of the camera the embed code calls (the page's camera); empty = the default one. */
  cameraSipUser = '';

  private accounts: SoftphoneAccountView[] = [];
  /** Every camera of the gateway, to choose from. */
  private cameras: CameraView[] = [];
  private username = '';
  private password = '';
  /** The account may call only `chosenCameras` (else every camera). */
  private onlyCameras = false;
  private chosenCameras: ReadonlySet<string> = new Set();
  private errors: ReadonlyMap<Field, string> = new Map();
  /** The account whose embed code is shown. */
  private shown: string | null = null;
  private notice = '';
  private readonly requests = new GatewayRequests<'load' | 'save' | 'delete'>(this);

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  override render() {
    // The camera page's own softphone mints short-lived accounts; only named ones are managed here.
    const named = this.accounts.filter((a) => a.expiresAt === null);
    const temporary = this.accounts.length - named.length;
    const busy = this.requests.busy !== null;
    return html`<section aria-labelledby="accounts-heading">
      <h2 id="accounts-heading">Softphone accounts</h2>
      <p class="hint">
        Accounts for softphones embedded in other web pages. Anyone who can read such a page can use its account to call
        the camera: the accepted list and the PIN still apply.
      </p>
      ${named.length === 0
        ? html`<p class="hint">No softphone accounts yet.</p>`
        : html`<table class="stack" role="table" aria-labelledby="accounts-heading">
            <thead role="rowgroup"><tr role="row"><th role="columnheader" scope="col">User name</th><th role="columnheader" scope="col">May call</th><th role="columnheader" scope="col">Created</th><th role="columnheader" scope="col">Actions</th></tr></thead>
            <tbody role="rowgroup">
              ${named.map(
                (account) => html`<tr role="row">
                  <td role="cell">${account.username}</td>
                  <td role="cell" data-label="May call">${this.cameraNames(account.cameras)}</td>
                  <td role="cell" data-label="Created">${formatTime(account.createdAt)}</td>
                  <td role="cell" class="actions">
                    <button type="button" aria-label=${`Show the embed code for ${account.username}`} aria-pressed=${this.shown === account.username ? 'true' : 'false'}
                      @click=${() => (this.shown = account.username)}>Embed code</button>
                    <button type="button" aria-label=${`Delete ${account.username}`} ?disabled=${busy} @click=${() => this.deleteAccount(account.username)}>Delete</button>
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>`}
      ${temporary > 0 ? html`<p class="hint">${temporary} temporary account(s) of this page's own softphone expire by themselves.</p>` : nothing}
      ${this.shown && named.some((a) => a.username === this.shown) ? this.renderSnippet(this.shown) : nothing}
      ${this.renderForm(busy)}
      ${this.requests.error ? html`<p class="error" role="alert">${this.requests.error}</p>` : nothing}
      ${this.notice ? html`<p class="notice" role="status">${this.notice}</p>` : nothing}
    </section>`;
  }

  private renderSnippet(username: string) {
    const gateway = resolveGatewayUrl(this.gateway);
    return html`<div class="embed">
      <p id="embed-help">
        Paste this into the other page and replace PASSWORD with the account's password. To let it in, put
        <code>sip:${username}@${gateway.hostname}</code> on the accepted list.
      </p>
      <pre aria-label=${`Embed code for ${username}`} aria-describedby="embed-help" tabindex="0"><code>${embedSnippet(gateway, username, this.cameraSipUser)}</code></pre>
    </div>`;
  }

  private renderForm(busy: boolean) {
    const input = (field: Field, type: string, autocomplete: string, value: string) => {
      const error = this.errors.get(field);
      return html`<input
        id=${fieldId(field)}
        name=${field}
        type=${type}
        autocomplete=${autocomplete}
        .value=${value}
        aria-invalid=${ariaInvalid(error)}
        aria-describedby=${describedBy(field, error, true)}
        @input=${(e: Event) => this.edit(field, (e.target as HTMLInputElement).value)}
      />`;
    };
    return html`<form novalidate aria-label="Add or change a softphone account" @submit=${this.save}>
      ${fieldRow('username', 'Account user name', input('username', 'text', 'off', this.username), this.errors.get('username'),
        'Lower-case letters, digits, ".", "_" and "-"; up to 32.')}
      ${fieldRow('password', 'Account password', input('password', 'password', 'new-password', this.password), this.errors.get('password'),
        'At least 8 characters. Saving an existing name gives it this password.')}
      ${this.renderCameraChoice()}
      <div class="buttons"><button type="submit" class="primary" ?disabled=${busy}>Save account</button></div>
    </form>`;
  }

  private renderCameraChoice() {
    const error = this.errors.get('cameras');
    return html`<fieldset id=${fieldId("cameras")} tabindex="-1" aria-invalid=${ariaInvalid(error)} aria-describedby=${describedBy('cameras', error)}>
      <legend>May call</legend>
      <label><input type="radio" name="may-call" .checked=${!this.onlyCameras} @change=${() => this.chooseOnly(false)} /> Every camera</label>
      <label><input type="radio" name="may-call" .checked=${this.onlyCameras} @change=${() => this.chooseOnly(true)} /> Only these cameras</label>
      <div class="cameras" role="group" aria-label="Cameras the account may call">
        ${this.cameras.map(
          (camera) => html`<label><input type="checkbox" .checked=${this.chosenCameras.has(camera.id)} ?disabled=${!this.onlyCameras}
            @change=${(e: Event) => this.toggleCamera(camera.id, (e.target as HTMLInputElement).checked)} /> ${camera.name}</label>`,
        )}
      </div>
      ${fieldError('cameras', error)}
    </fieldset>`;
  }

  /** "every camera", or the names of the cameras in `ids` (an id whose camera is gone shows as the id). */
  private cameraNames(ids: readonly string[] | null): string {
    if (ids === null) return 'every camera';
    return ids.map((id) => this.cameras.find((camera) => camera.id === id)?.name ?? id).join(', ');
  }

  private chooseOnly(only: boolean): void {
    this.onlyCameras = only;
    // Restricting starts from the camera whose page this is.
    const own = this.cameras.find((camera) => camera.sipUser === this.cameraSipUser);
    if (only && this.chosenCameras.size === 0 && own) this.chosenCameras = new Set([own.id]);
    this.clearError('cameras');
  }

  private toggleCamera(id: string, chosen: boolean): void {
    const next = new Set(this.chosenCameras);
    if (chosen) next.add(id);
    else next.delete(id);
    this.chosenCameras = next;
    this.clearError('cameras');
  }

  private clearError(field: Field): void {
    if (this.errors.has(field)) this.errors = new Map([...this.errors].filter(([key]) => key !== field));
  }

  private edit(field: Field, value: string): void {
    if (field === 'username') this.username = value;
    else this.password = value;
    this.notice = '';
    this.clearError(field);
  }

  private async load(): Promise<void> {
    await this.requests.run('load', async () => {
      [this.accounts, this.cameras] = await Promise.all([this.requests.api.softphoneAccounts(), this.requests.api.cameras()]);
    });
  }

  private async save(event: Event): Promise<void> {
    event.preventDefault();
    const errors = new Map<Field, string>();
    const username = SoftphoneAccountNameSchema.safeParse(this.username.trim());
    const cameras = this.onlyCameras ? this.cameras.filter((camera) => this.chosenCameras.has(camera.id)).map((camera) => camera.id) : null;
    const request = SoftphoneAccountRequestSchema.safeParse({ password: this.password, cameras });
    if (!username.success) errors.set('username', `User name: ${username.error.issues[0]!.message}.`);
    if (!request.success) {
      const issue = request.error.issues[0]!;
      if (issue.path[0] === 'cameras') errors.set('cameras', 'Choose at least one camera, or let the account call every camera.');
      else errors.set('password', `Password: ${issue.message}.`);
    }
    this.errors = errors;
    if (!username.success || !request.success) return focusFirstInvalid(this);
    this.notice = '';
    const saved = await this.requests.run(
      'save',
      async () => {
        const account = await this.requests.api.saveSoftphoneAccount(username.data, request.data);
        this.username = '';
        this.password = '';
        this.onlyCameras = false;
        this.chosenCameras = new Set();
        this.shown = account.username;
        this.notice = `Saved the account “${account.username}”.`;
        this.accounts = await this.requests.api.softphoneAccounts();
      },
      (error) => {
        if (!(error instanceof ApiError) || (error.field !== 'username' && error.field !== 'password' && error.field !== 'cameras')) return errorMessage(error);
        this.errors = new Map([[error.field, error.message]]);
        return '';
      },
    );
    if (!saved) await focusFirstInvalid(this);
  }

  private async deleteAccount(username: string): Promise<void> {
    this.notice = '';
    await this.requests.run('delete', async () => {
      await this.requests.api.deleteSoftphoneAccount(username);
      if (this.shown === username) this.shown = null;
      this.notice = `Deleted the account “${username}”.`;
      this.accounts = await this.requests.api.softphoneAccounts();
    });
  }
}
