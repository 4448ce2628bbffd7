/**
 * <camgate-outgoing-calls>: the Outgoing Calls dialog: whom the camera calls on the bell or
 * an event (call-out profiles), with the Incoming Calls dialog's four buttons: Set (activate
 * until restart), Factory and Restore (load the defaults / the stored settings into the form
 * only) and Close (offers to store the configuration when running and stored differ).
 *
 * Properties: `gateway` (base URL). Events: `camgate-close` when closed.
 */
import { LitElement, html, nothing } from 'lit';
import { CallOutTriggerSchema, FACTORY_OUTGOING_CALLS, OutgoingCallsSettingsSchema } from '@camgate/protocol';
import type { AudioMessage, CallOutProfile, CallOutTrigger, OutgoingCallsSettings, OutgoingCallsView } from '@camgate/protocol';
import { formStyles } from '../form/form.styles.ts';
import { ariaInvalid, describedBy, fieldId, fieldRow, focusFirstInvalid } from '../form/field.ts';
import { buttonStyles, panelStyles } from '../../styles/shared.styles.ts';
import { incomingCallsStyles } from '../incoming-calls/incoming-calls.styles.ts';
import { GatewayRequests } from '../../controllers/gateway-requests.ts';
import { ApiError } from '../../services/api-client.ts';
import { errorMessage } from '../../services/error-message.ts';
import { linesOf } from '../../services/settings-form.ts';
import { randomId } from '../../services/random-id.ts';

const TRIGGER_LABELS: Record<CallOutTrigger, string> = {
  bell: 'Bell (Ring button, webhook)',
  'user-click': 'User click event',
  door: 'Door opener event',
  light: 'Light event',
  'pin-lockout': 'PIN lock-out',
  email: 'Email sent',
};

/** A profile as the form holds it: lists and optional times as text. */
interface ProfileDraft extends Omit<CallOutProfile, 'targets' | 'quietHours'> {
  targetsText: string;
  quietFrom: string;
  quietTo: string;
}

interface Draft {
  enabled: boolean;
  webhookToken: string;
  profiles: ProfileDraft[];
}

type Busy = 'load' | 'set' | 'close' | 'store';

function toDraft(settings: OutgoingCallsSettings): Draft {
  return {
    enabled: settings.enabled,
    webhookToken: settings.webhookToken,
    profiles: settings.profiles.map(({ targets, quietHours, ...rest }) => ({
      ...rest,
      targetsText: targets.join('\n'),
      quietFrom: quietHours?.from ?? '',
      quietTo: quietHours?.to ?? '',
    })),
  };
}

function fromDraft(draft: Draft): unknown {
  return {
    enabled: draft.enabled,
    webhookToken: draft.webhookToken.trim(),
    profiles: draft.profiles.map(({ targetsText, quietFrom, quietTo, ...rest }) => ({
      ...rest,
      targets: linesOf(targetsText),
      quietHours: quietFrom === '' && quietTo === '' ? null : { from: quietFrom, to: quietTo },
    })),
  };
}

/** Form field keys: the schema's paths, with a profile's targets and quiet hours on their text fields. */
function fieldOf(path: readonly PropertyKey[]): string {
  const [first, index, name] = path.map(String);
  if (first === 'profiles' && name === 'quietHours') return `profiles.${index}.quietFrom`;
  if (first === 'profiles' && name === 'targets') return `profiles.${index}.targetsText`;
  return path.slice(0, first === 'profiles' ? 3 : 1).map(String).join('.') || 'settings';
}

export class CamgateOutgoingCalls extends LitElement {
  static override styles = [panelStyles, formStyles, buttonStyles, incomingCallsStyles];
  static override properties = {
    gateway: { type: String },
    camera: { type: String },
    view: { state: true },
    draft: { state: true },
    messages: { state: true },
    errors: { state: true },
    notice: { state: true },
  };

  gateway = '';
  /** The camera id whose call-outs this dialog edits; empty = the default camera. */
  camera = '';
  private view: OutgoingCallsView | null = null;
  private draft: Draft | null = null;
  private messages: AudioMessage[] = [];
  private errors: ReadonlyMap<string, string> = new Map();
  private notice = '';
  private readonly requests = new GatewayRequests<Busy>(this);

  override connectedCallback(): void {
    super.connectedCallback();
    void this.run('load', async () => {
      const [view, messages] = await Promise.all([this.requests.api.outgoingCalls(), this.requests.api.messages()]);
      this.messages = messages;
      this.showView(view);
    });
  }

  override render() {
    return html`
      <h2>Outgoing Calls Settings</h2>
      ${this.requests.error ? html`<p class="error" role="alert">${this.requests.error}</p>` : nothing}
      ${this.draft ? this.renderForm(this.draft) : html`<p role="status">${this.requests.busy === 'load' ? 'Loading…' : ''}</p>`}
      <dialog aria-labelledby="store-question">
        <p id="store-question">Store the configuration permanently?</p>
        <div class="buttons">
          <button type="button" class="primary" ?disabled=${this.requests.busy === 'store'} @click=${this.storeAndClose}>Store</button>
          <button type="button" @click=${this.closed}>Don't store</button>
        </div>
      </dialog>
    `;
  }

  private renderForm(draft: Draft) {
    const busy = this.requests.busy !== null;
    return html`
      <form novalidate @submit=${this.set} aria-label="Outgoing Calls Settings">
        <fieldset>
          <legend>Outgoing calls</legend>
          ${this.select('enabled', 'Outgoing calls', draft.enabled ? 'on' : 'off', { on: 'On: call out on the triggers below', off: 'Off' }, (v) => ({ ...draft, enabled: v === 'on' }))}
          ${fieldRow(
            'webhookToken',
            'Bell webhook token',
            html`<input id=${fieldId('webhookToken')} .value=${draft.webhookToken} spellcheck="false" autocomplete="off"
                aria-invalid=${ariaInvalid(this.errors.get('webhookToken'))} aria-describedby=${describedBy('webhookToken', this.errors.get('webhookToken'), true)}
                @input=${(e: Event) => this.patch('webhookToken', { ...draft, webhookToken: (e.target as HTMLInputElement).value })} />
              <button type="button" @click=${() => this.patch('webhookToken', { ...draft, webhookToken: `${randomId()}${randomId()}${randomId()}` })}>New token</button>`,
            this.errors.get('webhookToken'),
            'A door station or relay rings with POST /api/cameras/<id>/bell/hook?token=<token>. Empty: webhook off.',
          )}
        </fieldset>
        ${draft.profiles.map((profile, index) => this.renderProfile(draft, profile, index))}
        <div class="buttons">
          <button type="button" ?disabled=${draft.profiles.length >= 10} @click=${this.addProfile}>Add profile</button>
        </div>
        ${this.notice ? html`<p class="notice" role="status">${this.notice}</p>` : nothing}
        <div class="buttons">
          <button type="submit" class="primary" ?disabled=${busy}>Set</button>
          <button type="button" ?disabled=${busy} @click=${() => this.fillForm(FACTORY_OUTGOING_CALLS, 'Factory defaults loaded into the form. Press Set to apply them.')}>Factory</button>
          <button type="button" ?disabled=${busy} @click=${() => this.view && this.fillForm(this.view.stored, 'The stored settings are loaded into the form. Press Set to apply them.')}>Restore</button>
          <button type="button" ?disabled=${busy} @click=${this.close}>Close</button>
        </div>
      </form>
    `;
  }

  private renderProfile(draft: Draft, profile: ProfileDraft, index: number) {
    const key = (name: string) => `profiles.${index}.${name}`;
    const update = (change: Partial<ProfileDraft>): Draft => ({ ...draft, profiles: draft.profiles.map((p, i) => (i === index ? { ...p, ...change } : p)) });
    const messageOptions: Record<string, string> = { '': 'None', ...Object.fromEntries(this.messages.map((m) => [m.id, m.name])) };
    return html`<fieldset data-profile=${profile.id}>
      <legend>Profile: ${profile.name}</legend>
      ${this.input(key('name'), 'Name', profile.name, (v) => update({ name: v }))}
      ${this.input(key('id'), 'Id', profile.id, (v) => update({ id: v }))}
      ${this.select(key('enabled'), 'Profile', profile.enabled ? 'on' : 'off', { on: 'On', off: 'Off' }, (v) => update({ enabled: v === 'on' }))}
      <div class="field">
        <span id=${fieldId(key('triggers'))}>Triggers</span>
        <div class="control" role="group" aria-labelledby=${fieldId(key('triggers'))}>
          ${CallOutTriggerSchema.options.map(
            (trigger) => html`<label><input type="checkbox" .checked=${profile.triggers.includes(trigger)}
                @change=${(e: Event) => this.patch(key('triggers'), update({
                  triggers: (e.target as HTMLInputElement).checked ? [...profile.triggers, trigger] : profile.triggers.filter((t) => t !== trigger),
                }))} /> ${TRIGGER_LABELS[trigger]}</label>`,
          )}
        </div>
      </div>
      ${fieldRow(
        key('targetsText'),
        'Call',
        html`<textarea id=${fieldId(key('targetsText'))} rows="3" spellcheck="false" .value=${profile.targetsText}
          aria-invalid=${ariaInvalid(this.errors.get(key('targetsText')))} aria-describedby=${describedBy(key('targetsText'), this.errors.get(key('targetsText')), true)}
          @input=${(e: Event) => this.patch(key('targetsText'), update({ targetsText: (e.target as HTMLTextAreaElement).value }))}></textarea>`,
        this.errors.get(key('targetsText')),
        'One per line: sip:user@host, a phone number (through the SIP provider) or softphone:<account>.',
      )}
      ${this.select(key('order'), 'Ring', profile.order, { parallel: 'All at once (ring group)', sequential: 'One after the other' }, (v) => update({ order: v as ProfileDraft['order'] }))}
      ${this.input(key('ringSeconds'), 'Ring time per target (s)', String(profile.ringSeconds), (v) => update({ ringSeconds: Number(v) }), 'number')}
      ${this.input(key('repeat'), 'Repeat rounds', String(profile.repeat), (v) => update({ repeat: Number(v) }), 'number')}
      ${this.input(key('quietFrom'), 'Quiet hours from (HH:MM)', profile.quietFrom, (v) => update({ quietFrom: v }))}
      ${this.input(key('quietTo'), 'Quiet hours to (HH:MM)', profile.quietTo, (v) => update({ quietTo: v }))}
      ${this.select(key('messageId'), 'Message on answer', profile.messageId ?? '', messageOptions, (v) => update({ messageId: v === '' ? null : v }))}
      ${this.input(key('speakText'), 'Spoken text on answer', profile.speakText, (v) => update({ speakText: v }))}
      ${this.select(key('acknowledge'), 'Kind', profile.acknowledge ? 'alarm' : 'doorbell',
        { doorbell: 'Doorbell: answering is enough', alarm: 'Alarm: the callee must enter the PIN, else the next is called' },
        (v) => update({ acknowledge: v === 'alarm' }))}
      ${profile.acknowledge ? this.input(key('acknowledgeSeconds'), 'Time to enter the PIN (s)', String(profile.acknowledgeSeconds), (v) => update({ acknowledgeSeconds: Number(v) }), 'number') : nothing}
      <div class="buttons"><button type="button" @click=${() => this.patch('profiles', { ...draft, profiles: draft.profiles.filter((_, i) => i !== index) })}>Remove profile</button></div>
    </fieldset>`;
  }

  private input(field: string, label: string, value: string, change: (value: string) => Draft, type = 'text') {
    const error = this.errors.get(field);
    return fieldRow(
      field,
      label,
      html`<input id=${fieldId(field)} type=${type} .value=${value} aria-invalid=${ariaInvalid(error)} aria-describedby=${describedBy(field, error)}
        @input=${(e: Event) => this.patch(field, change((e.target as HTMLInputElement).value))} />`,
      error,
    );
  }

  private select(field: string, label: string, value: string, options: Record<string, string>, change: (value: string) => Draft) {
    return fieldRow(
      field,
      label,
      html`<select id=${fieldId(field)} @change=${(e: Event) => this.patch(field, change((e.target as HTMLSelectElement).value))}>
        ${Object.entries(options).map(([option, text]) => html`<option value=${option} ?selected=${option === value}>${text}</option>`)}
      </select>`,
      this.errors.get(field),
    );
  }

  private patch(field: string, draft: Draft): void {
    this.draft = draft;
    this.notice = '';
    if (this.errors.has(field)) this.errors = new Map([...this.errors].filter(([key]) => key !== field));
  }

  private addProfile(): void {
    if (!this.draft) return;
    const n = this.draft.profiles.length + 1;
    const [base] = toDraft(FACTORY_OUTGOING_CALLS).profiles;
    this.patch('profiles', { ...this.draft, profiles: [...this.draft.profiles, { ...base!, id: `profile-${n}`, name: `Profile ${n}` }] });
  }

  /** Set: validates every field with the shared schema, then makes the settings the running ones. */
  private async set(event: Event): Promise<void> {
    event.preventDefault();
    if (!this.draft) return;
    const parsed = OutgoingCallsSettingsSchema.safeParse(fromDraft(this.draft));
    if (!parsed.success) {
      this.errors = new Map(parsed.error.issues.map((issue): [string, string] => [fieldOf(issue.path), issue.message]).reverse());
      await focusFirstInvalid(this);
      return;
    }
    await this.run('set', async () => {
      this.showView(await this.requests.api.setOutgoingCalls(parsed.data));
      this.notice = 'The settings are active until the gateway restarts. Close to store them permanently.';
    });
  }

  private fillForm(settings: OutgoingCallsSettings, notice: string): void {
    this.draft = toDraft(settings);
    this.errors = new Map();
    this.requests.showError('');
    this.notice = notice;
  }

  /** Close: if the running settings differ from the stored ones, offer to store them. */
  private async close(): Promise<void> {
    let dirty = false;
    const ok = await this.run('close', async () => {
      this.view = await this.requests.api.outgoingCalls();
      dirty = this.view.dirty;
    });
    if (!ok) return;
    if (dirty) this.renderRoot.querySelector('dialog')!.showModal();
    else this.closed();
  }

  private async storeAndClose(): Promise<void> {
    const ok = await this.run('store', async () => this.showView(await this.requests.api.storeOutgoingCalls()));
    this.renderRoot.querySelector('dialog')!.close();
    if (ok) this.closed();
  }

  private closed(): void {
    this.renderRoot.querySelector('dialog')?.close();
    this.dispatchEvent(new CustomEvent('camgate-close', { bubbles: true, composed: true }));
  }

  private showView(view: OutgoingCallsView): void {
    this.view = view;
    this.fillForm(view.running, '');
  }

  /** Runs one gateway request; a field error lands at its field, anything else on top. */
  private run(busy: Busy, request: () => Promise<void>): Promise<boolean> {
    return this.requests.run(busy, request, async (error) => {
      if (!(error instanceof ApiError) || (!error.field && error.issues.length === 0)) return errorMessage(error);
      const issues = error.issues.length > 0 ? error.issues : [{ path: error.field ?? 'settings', message: error.message }];
      this.errors = new Map(issues.map((issue): [string, string] => [fieldOf(issue.path.split('.')), issue.message]));
      await focusFirstInvalid(this);
      return '';
    });
  }
}
