/**
 * <camgate-email-profiles>: add, edit and delete the email profiles key 5 can send the last
 * event image with. Passwords are write-only: the gateway never sends them back, and an
 * empty password on edit keeps the stored one.
 *
 * Properties: `gateway` (base URL), `profiles` (owned by the parent).
 * "Send test email" mails a test with a stored profile and says, at its row, whether the
 * mail server took it (or its error).
 *
 * Events: `camgate-email-profiles-changed` after a save or delete.
 */
import { LitElement, html, nothing } from 'lit';
import { EmailProfileSchema } from '@camgate/protocol';
import type { EmailProfile, EmailProfileView } from '@camgate/protocol';
import { formStyles } from '../form/form.styles.ts';
import { ariaInvalid, describedBy, fieldId, fieldRow, focusFirstInvalid } from '../form/field.ts';
import { buttonStyles } from '../../styles/shared.styles.ts';
import { emailProfilesStyles } from './email-profiles.styles.ts';
import { GatewayRequests } from '../../controllers/gateway-requests.ts';
import { ApiError } from '../../services/api-client.ts';
import { errorMessage } from '../../services/error-message.ts';
import { randomId } from '../../services/random-id.ts';
import { plainMessage } from '../../services/issue-messages.ts';

/** The sub-form's inputs; `to` is edited as a comma-separated list. */
interface ProfileDraft extends Omit<EmailProfile, 'to' | 'port'> {
  to: string;
  port: number;
  /** Editing a stored profile (its password may stay empty). */
  existing: boolean;
  hasPassword: boolean;
}

const SECURITY_LABELS: Record<EmailProfile['security'], string> = {
  none: 'None (plain SMTP)',
  starttls: 'STARTTLS',
  tls: 'TLS',
};

const DEFAULT_PORT: Record<EmailProfile['security'], number> = { none: 25, starttls: 587, tls: 465 };

function newDraft(): ProfileDraft {
  return {
    id: randomId(),
    name: '',
    host: '',
    port: DEFAULT_PORT.starttls,
    security: 'starttls',
    username: '',
    password: '',
    from: '',
    to: '',
    subject: 'Camera event',
    existing: false,
    hasPassword: false,
  };
}

function draftOf(view: EmailProfileView): ProfileDraft {
  return { ...view, password: '', to: view.to.join(', '), existing: true };
}

function toProfile(draft: ProfileDraft): unknown {
  const { existing: _existing, hasPassword: _hasPassword, to, ...rest } = draft;
  return { ...rest, to: to.split(',').map((a) => a.trim()).filter(Boolean) };
}

export class CamgateEmailProfiles extends LitElement {
  static override styles = [formStyles, buttonStyles, emailProfilesStyles];
  static override properties = {
    gateway: { type: String },
    profiles: { attribute: false },
    draft: { state: true },
    errors: { state: true },
    rowMessage: { state: true },
  };

  gateway = '';
  profiles: EmailProfileView[] = [];

  /** The profile in the sub-form; null when the sub-form is closed. */
  private draft: ProfileDraft | null = null;
  private errors: Map<string, string> = new Map();
  /** The outcome of a test email or a refused delete, shown at its profile's row. */
  private rowMessage: { id: string; text: string; error: boolean } | null = null;
  private readonly requests = new GatewayRequests<'save' | 'delete' | 'test'>(this);

  override render() {
    return html`
      <fieldset>
        <legend>Email profiles</legend>
        ${this.profiles.length === 0
          ? html`<p class="hint">No email profiles yet.</p>`
          : html`<table class="stack" role="table">
              <thead role="rowgroup"><tr role="row"><th role="columnheader" scope="col">Name</th><th role="columnheader" scope="col">Server</th><th role="columnheader" scope="col">To</th><th role="columnheader" scope="col">Actions</th></tr></thead>
              <tbody role="rowgroup">
                ${this.profiles.flatMap((p) => this.renderRow(p))}
              </tbody>
            </table>`}
        ${this.draft ? this.renderForm(this.draft) : html`<div class="buttons"><button type="button" @click=${() => this.edit(newDraft())}>Add email profile</button></div>`}
        ${this.requests.error ? html`<p class="error" role="alert">${this.requests.error}</p>` : nothing}
      </fieldset>
    `;
  }

  private renderRow(p: EmailProfileView) {
    const message = this.rowMessage?.id === p.id ? this.rowMessage : null;
    const messageId = `profile-message-${p.id}`;
    const busy = this.requests.busy !== null;
    const row = html`<tr role="row">
      <td role="cell">${p.name}</td>
      <td role="cell" data-label="Server">${p.host}:${p.port}</td>
      <td role="cell" data-label="To">${p.to.join(', ')}</td>
      <td role="cell" class="actions">
        <button type="button" aria-label=${`Edit ${p.name}`} @click=${() => this.edit(draftOf(p))}>Edit</button>
        <button type="button" aria-label=${`Send test email with ${p.name}`} aria-describedby=${message ? messageId : nothing} ?disabled=${busy} @click=${() => this.sendTest(p)}>
          ${this.requests.busy === 'test' && this.rowMessage?.id === p.id ? 'Sending…' : 'Send test email'}
        </button>
        <button type="button" aria-label=${`Delete ${p.name}`} ?disabled=${busy} @click=${() => this.deleteProfile(p)}>Delete</button>
      </td>
    </tr>`;
    if (!message?.text) return [row];
    return [
      row,
      html`<tr role="row" class="row-message"><td role="cell" colspan="4">
        <p class=${message.error ? 'error' : 'notice'} id=${messageId} role=${message.error ? 'alert' : 'status'}>${message.text}</p>
      </td></tr>`,
    ];
  }

  private renderForm(draft: ProfileDraft) {
    const text = (field: keyof ProfileDraft & string, label: string, type = 'text', autocomplete = 'off') => {
      const error = this.errors.get(field);
      const control = html`<input
        id=${fieldId(field)}
        type=${type}
        autocomplete=${autocomplete}
        .value=${String(draft[field])}
        aria-invalid=${ariaInvalid(error)}
        aria-describedby=${describedBy(field, error)}
        placeholder=${field === 'password' && draft.hasPassword ? 'unchanged' : ''}
        @input=${(e: Event) => this.patch({ [field]: (e.target as HTMLInputElement).value })}
      />`;
      return fieldRow(field, label, control, error);
    };
    const portError = this.errors.get('port');
    return html`<form @submit=${this.save} novalidate aria-label=${draft.existing ? 'Edit email profile' : 'New email profile'}>
      ${text('name', 'Profile name')} ${text('host', 'SMTP server')}
      <div class="field">
        <label for=${fieldId('security')}>Security</label>
        <div class="control">
          <select id=${fieldId('security')} @change=${this.onSecurity}>
            ${(Object.keys(SECURITY_LABELS) as EmailProfile['security'][]).map(
              (s) => html`<option value=${s} ?selected=${draft.security === s}>${SECURITY_LABELS[s]}</option>`,
            )}
          </select>
        </div>
      </div>
      ${fieldRow(
        'port',
        'Port',
        html`<input
          id=${fieldId('port')}
          type="number"
          min="1"
          max="65535"
          .value=${String(draft.port)}
          aria-invalid=${ariaInvalid(portError)}
          aria-describedby=${describedBy('port', portError)}
          @input=${(e: Event) => this.patch({ port: (e.target as HTMLInputElement).valueAsNumber })}
        />`,
        portError,
      )}
      ${text('username', 'SMTP user name')} ${text('password', 'SMTP password', 'password', 'new-password')}
      ${text('from', 'From address', 'email')} ${text('to', 'To addresses (comma separated)')} ${text('subject', 'Subject')}
      <div class="buttons">
        <button type="submit" class="primary" ?disabled=${this.requests.busy !== null}>Save profile</button>
        <button type="button" @click=${() => this.edit(null)}>Cancel</button>
      </div>
    </form>`;
  }

  private edit(draft: ProfileDraft | null): void {
    this.draft = draft;
    this.errors = new Map();
    this.requests.showError('');
  }

  private patch(change: Partial<ProfileDraft>): void {
    if (!this.draft) return;
    this.draft = { ...this.draft, ...change };
    const changed = Object.keys(change);
    if (changed.some((key) => this.errors.has(key))) this.errors = new Map([...this.errors].filter(([key]) => !changed.includes(key)));
  }

  private onSecurity(event: Event): void {
    if (!this.draft) return;
    const security = (event.target as HTMLSelectElement).value as EmailProfile['security'];
    // Follow the well-known port unless the person typed another one.
    const port = this.draft.port === DEFAULT_PORT[this.draft.security] ? DEFAULT_PORT[security] : this.draft.port;
    this.patch({ security, port });
  }

  private async save(event: Event): Promise<void> {
    event.preventDefault();
    const draft = this.draft;
    if (!draft) return;
    const parsed = EmailProfileSchema.safeParse(toProfile(draft));
    if (!parsed.success) {
      this.errors = new Map(
        parsed.error.issues.map((i) => [String(i.path[0]), i.path.length > 1 ? `Address ${Number(i.path[1]) + 1}: ${plainMessage(i)}` : plainMessage(i)]),
      );
      return focusFirstInvalid(this);
    }
    const saved = await this.requests.run(
      'save',
      async () => {
        await this.requests.api.saveEmailProfile(parsed.data);
        this.draft = null;
      },
      (error) => {
        if (!(error instanceof ApiError && error.field)) return errorMessage(error);
        this.errors = new Map([[error.field.split('.')[0]!, error.message]]);
        return '';
      },
    );
    if (saved) this.changed();
  }

  private async sendTest(profile: EmailProfileView): Promise<void> {
    this.rowMessage = { id: profile.id, text: '', error: false };
    await this.requests.run(
      'test',
      async () => {
        await this.requests.api.testEmailProfile(profile.id);
        this.rowMessage = { id: profile.id, text: `Test email sent to ${profile.to.join(', ')}.`, error: false };
      },
      (error) => {
        this.rowMessage = { id: profile.id, text: errorMessage(error), error: true };
        return '';
      },
    );
  }

  private async deleteProfile(profile: EmailProfileView): Promise<void> {
    this.rowMessage = null;
    const deleted = await this.requests.run(
      'delete',
      async () => {
        await this.requests.api.deleteEmailProfile(profile.id);
        if (this.draft?.id === profile.id) this.draft = null;
      },
      (error) => {
        const text =
          error instanceof ApiError && error.status === 409
            ? `“${profile.name}” is the email profile in use. Choose another one in the settings and press Set, then delete it.`
            : errorMessage(error);
        this.rowMessage = { id: profile.id, text, error: true };
        return '';
      },
    );
    if (deleted) this.changed();
  }

  private changed(): void {
    this.dispatchEvent(new CustomEvent('camgate-email-profiles-changed', { bubbles: true, composed: true }));
  }
}
