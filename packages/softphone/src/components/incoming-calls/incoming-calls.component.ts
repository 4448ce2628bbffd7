/**
 * <camgate-incoming-calls>: the Incoming Calls dialog of the help page, field for field,
 * with its four buttons: Set (activate until restart), Factory (load the defaults into the
 * dialog), Restore (load the stored settings into the dialog, undoing what is not stored)
 * and Close (offers to store the configuration when the running settings differ from the
 * stored ones). Factory and Restore change only the form: the camera runs on until Set.
 * The audio messages and email profiles it refers to are managed in place.
 *
 * Properties: `gateway` (base URL), `lastCaller` (live from the page; also loaded on open).
 * Events: `camgate-close` when the dialog is closed; `camgate-settings-changed` { view }
 * after Set or Store.
 */
import { LitElement, html, nothing } from 'lit';
import type { PropertyValues } from 'lit';
import { FACTORY_SETTINGS, SPOKEN_LANGUAGES, UNTIMED_ACTION_MODES } from '@camgate/protocol';
import type { ActionProfile, AudioMessage, AudioMode, BusyPolicy, EmailProfileView, IncomingCallsSettings, LastCaller, SettingsView, SpokenLanguage } from '@camgate/protocol';
import { formStyles } from '../form/form.styles.ts';
import { ariaInvalid, describedBy, fieldId, fieldRow, focusFirstInvalid } from '../form/field.ts';
import { buttonStyles, panelStyles } from '../../styles/shared.styles.ts';
import { incomingCallsStyles } from './incoming-calls.styles.ts';
import '../audio-messages/audio-messages.ts';
import '../email-profiles/email-profiles.ts';
import { GatewayRequests } from '../../controllers/gateway-requests.ts';
import { ApiError } from '../../services/api-client.ts';
import { errorMessage } from '../../services/error-message.ts';
import { formatTime } from '../../services/format.ts';
import { draftWarnings, linesOf, serverFieldErrors, toDraft, validateDraft } from '../../services/settings-form.ts';
import type { FieldErrors, SettingsDraft } from '../../services/settings-form.ts';

const AUDIO_MODES: Record<AudioMode, string> = { none: 'No audio', listen: 'Listen', speak: 'Speak', intercom: 'Intercom' };
const ACTION_MODES: Record<ActionProfile['mode'], string> = {
  pulse: 'Pulse (on, then off)',
  toggle: 'Toggle',
  on: 'Switch on',
  off: 'Switch off',
};
const OUTPUT_LABELS = { door: 'Door opener (key 1)', light: 'Light (key 3)' } as const;
const LANGUAGE_NAMES: Record<SpokenLanguage, string> = { en: 'English', de: 'Deutsch', fr: 'Français', es: 'Español', it: 'Italiano', nl: 'Nederlands' };
const BUSY_POLICIES: Record<BusyPolicy, string> = { allow: 'Allow (speaker: one caller at a time)', queue: 'Queue (ring until free)', reject: 'Reject (busy)' };

type Busy = 'load' | 'set' | 'close' | 'store';

export class CamgateIncomingCalls extends LitElement {
  static override styles = [panelStyles, formStyles, buttonStyles, incomingCallsStyles];
  static override properties = {
    gateway: { type: String },
    camera: { type: String },
    lastCaller: { attribute: false },
    view: { state: true },
    draft: { state: true },
    messages: { state: true },
    profiles: { state: true },
    touched: { state: true },
    submitted: { state: true },
    serverErrors: { state: true },
    notice: { state: true },
    showPin: { state: true },
    manageProfiles: { state: true },
    ownIdentity: { state: true },
  };

  gateway = '';
  /** The camera id whose settings and messages these are; empty = the default camera. */
  camera = '';
  lastCaller: LastCaller = null;

  /** What the gateway holds (running, stored, dirty). */
  private view: SettingsView | null = null;
  /** What the form holds. */
  private draft: SettingsDraft | null = null;
  private messages: AudioMessage[] = [];
  private profiles: EmailProfileView[] = [];
  /** Fields the person has edited: only those show local errors before Set is pressed. */
  private touched: ReadonlySet<string> = new Set();
  private submitted = false;
  private serverErrors: FieldErrors = new Map();
  private notice = '';
  private showPin = false;
  private manageProfiles = false;
  /** The SIP address the softphone on this page calls as (the signed-in admin's). */
  private ownIdentity = '';
  #localErrors: FieldErrors = new Map();
  private readonly requests = new GatewayRequests<Busy>(this);

  override connectedCallback(): void {
    super.connectedCallback();
    // Opening the dialog reloads it (help page: "reload this dialog or re-open it").
    void this.reload();
  }

  /** Loads settings, messages, profiles and the last caller from the gateway. */
  async reload(): Promise<void> {
    await this.run('load', async () => {
      const [view, messages, profiles, lastCaller, credentials] = await Promise.all([
        this.requests.api.settings(),
        this.requests.api.messages(),
        this.requests.api.emailProfiles(),
        this.requests.api.lastCaller(),
        this.requests.api.softphoneCredentials(),
      ]);
      this.showView(view);
      this.messages = messages;
      this.profiles = profiles;
      this.lastCaller = lastCaller;
      this.ownIdentity = credentials.uri;
    });
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has('draft') && this.draft) this.#localErrors = validateDraft(this.draft).errors;
  }

  override render() {
    const draft = this.draft;
    return html`
      <h2>Incoming Calls Settings</h2>
      ${this.requests.error ? html`<p class="error" role="alert">${this.requests.error}</p>` : nothing}
      ${draft ? this.renderForm(draft) : html`<p role="status">${this.requests.busy === 'load' ? 'Loading…' : ''}</p>`}
      <dialog aria-labelledby="store-question">
        <p id="store-question">Store the configuration permanently?</p>
        <div class="buttons">
          <button type="button" class="primary" ?disabled=${this.requests.busy === 'store'} @click=${this.storeAndClose}>Store</button>
          <button type="button" @click=${this.closeWithoutStoring}>Don't store</button>
        </div>
      </dialog>
    `;
  }

  private renderForm(draft: SettingsDraft) {
    const warnings = draftWarnings(draft);
    const busy = this.requests.busy !== null;
    return html`
      <form novalidate @submit=${this.set} aria-label="Incoming Calls Settings">
        <fieldset>
          <legend>Incoming calls</legend>
          ${this.selectField('enabled', 'Incoming calls', draft.enabled ? 'on' : 'off', { on: 'On: answer calls', off: 'Off' }, (v) => ({ enabled: v === 'on' }))}
          ${this.textareaField('answerTo', 'Answer to numbers', draft.answerToText, (v) => ({ answerToText: v }),
            'Numbers or SIP user names the camera answers to, one per line. Empty: any.')}
        </fieldset>

        <fieldset>
          <legend>Accepted callers</legend>
          ${this.textareaField('acceptedCallers', 'Accepted phone numbers and SIP addresses', draft.acceptedCallersText,
            (v) => ({ acceptedCallersText: v }), 'One per line. Empty: the camera answers every call (not recommended).')}
          ${this.renderLastCaller(draft)} ${this.renderOwnIdentity(draft)}
        </fieldset>

        <fieldset>
          <legend>Call handling</legend>
          ${this.selectField('welcomeMessageId', 'Welcome message', draft.welcomeMessageId ?? '',
            { '': 'None', ...Object.fromEntries(this.messages.map((m) => [m.id, m.name])) },
            (v) => ({ welcomeMessageId: v === '' ? null : v }))}
          ${this.renderPin(draft)}
          ${this.selectField('audioMode', 'Audio mode', draft.audioMode, AUDIO_MODES, (v) => ({ audioMode: v as AudioMode }))}
          ${this.numberField('intercom.thresholdPercent', 'Intercom threshold (%)', draft.intercom.thresholdPercent,
            (n) => ({ intercom: { ...draft.intercom, thresholdPercent: n } }), { min: 0, max: 100, step: 1 })}
          ${this.numberField('intercom.cycleTimeMs', 'Intercom cycle time (ms)', draft.intercom.cycleTimeMs,
            (n) => ({ intercom: { ...draft.intercom, cycleTimeMs: n } }), { min: 100, max: 10000, step: 100 })}
          ${this.numberField('hangupAfterSeconds', 'Hang up call after (s)', draft.hangupAfterSeconds,
            (n) => ({ hangupAfterSeconds: n }), { min: 15, max: 3600, step: 1 })}
          ${this.numberField('ringSeconds', 'Ring time (s)', draft.ringSeconds, (n) => ({ ringSeconds: n }), { min: 0, max: 30, step: 0.5 })}
          ${this.selectField('emailProfileId', 'Email profile', draft.emailProfileId ?? '',
            { '': 'None', ...Object.fromEntries(this.profiles.map((p) => [p.id, p.name])) },
            (v) => ({ emailProfileId: v === '' ? null : v }))}
          <div class="buttons">
            <button type="button" aria-expanded=${this.manageProfiles ? 'true' : 'false'} @click=${() => (this.manageProfiles = !this.manageProfiles)}>
              Manage email profiles
            </button>
          </div>
          ${this.manageProfiles
            ? html`<camgate-email-profiles
                .gateway=${this.gateway}
                .profiles=${this.profiles}
                @camgate-email-profiles-changed=${this.reloadProfiles}
              ></camgate-email-profiles>`
            : nothing}
        </fieldset>

        <fieldset>
          <legend>Locale and busy calls</legend>
          ${this.inputField('locale.countryCode', 'Country calling code', draft.locale.countryCode, (v) => ({ locale: { ...draft.locale, countryCode: v.trim() } }))}
          ${this.inputField('locale.trunkPrefix', 'Trunk prefix', draft.locale.trunkPrefix, (v) => ({ locale: { ...draft.locale, trunkPrefix: v.trim() } }))}
          ${this.inputField('locale.timeZone', 'Time zone (e.g. Europe/Berlin)', draft.locale.timeZone, (v) => ({ locale: { ...draft.locale, timeZone: v.trim() } }))}
          ${this.selectField('locale.language', 'Spoken language', draft.locale.language,
            Object.fromEntries(SPOKEN_LANGUAGES.map((l) => [l, LANGUAGE_NAMES[l]])), (v) => ({ locale: { ...draft.locale, language: v as SpokenLanguage } }))}
          ${this.selectField('busy.policy', 'While a call runs', draft.busy.policy, BUSY_POLICIES, (v) => ({ busy: { ...draft.busy, policy: v as BusyPolicy } }))}
          ${this.numberField('busy.queueSeconds', 'Longest wait in the queue (s)', draft.busy.queueSeconds,
            (n) => ({ busy: { ...draft.busy, queueSeconds: n } }), { min: 5, max: 300, step: 1 })}
        </fieldset>

        <div class="actions-grid">
          ${(['door', 'light'] as const).map((name) => this.renderAction(draft, name))}
        </div>

        ${warnings.length > 0
          ? html`<div class="warnings" role="status" aria-label="Warnings">${warnings.map((w) => html`<p>${w}</p>`)}</div>`
          : nothing}
        ${this.notice ? html`<p class="notice" role="status">${this.notice}</p>` : nothing}
        <div class="buttons">
          <button type="submit" class="primary" ?disabled=${busy}>Set</button>
          <button type="button" ?disabled=${busy} @click=${this.factory}>Factory</button>
          <button type="button" ?disabled=${busy} @click=${this.restore}>Restore</button>
          <button type="button" ?disabled=${busy} @click=${this.close}>Close</button>
        </div>
      </form>
      <camgate-audio-messages .gateway=${this.gateway} .camera=${this.camera} .messages=${this.messages} @camgate-messages-changed=${this.reloadMessages}></camgate-audio-messages>
    `;
  }

  private renderLastCaller(draft: SettingsDraft) {
    const last = this.lastCaller;
    const listed = last !== null && linesOf(draft.acceptedCallersText).includes(last.caller);
    return html`<div class="field">
      <span>Last caller</span>
      <div class="control last-caller">
        ${last
          ? html`<output aria-label="Last caller">${last.caller}</output>
              <span class="hint">${formatTime(last.at)}, ${last.answered ? 'answered' : 'not answered'}</span>`
          : html`<span class="hint">No call yet. Call the camera, then reopen this dialog.</span>`}
        <button type="button" ?disabled=${last === null || listed} @click=${this.addLastCaller}>Add last caller</button>
      </div>
    </div>`;
  }

  private renderOwnIdentity(draft: SettingsDraft) {
    if (!this.ownIdentity) return nothing;
    const listed = linesOf(draft.acceptedCallersText).includes(this.ownIdentity);
    return html`<div class="field">
      <span>This browser</span>
      <div class="control last-caller">
        <output aria-label="This browser calls as">${this.ownIdentity}</output>
        <span class="hint">The softphone on this page calls as this address${listed ? ' (on the list)' : ''}.</span>
        <button type="button" ?disabled=${listed} @click=${() => this.addAccepted(this.ownIdentity)}>Add this browser</button>
      </div>
    </div>`;
  }

  private renderPin(draft: SettingsDraft) {
    const error = this.errorFor('pin');
    const control = html`<div class="inline">
          <input
            id=${fieldId('pin')}
            type=${this.showPin ? 'text' : 'password'}
            inputmode="numeric"
            autocomplete="off"
            maxlength="12"
            .value=${draft.pin}
            aria-invalid=${ariaInvalid(error)}
            aria-describedby=${describedBy('pin', error, true)}
            @input=${(e: Event) => this.patch('pin', { pin: (e.target as HTMLInputElement).value })}
          />
          <button type="button" aria-pressed=${this.showPin ? 'true' : 'false'} @click=${() => (this.showPin = !this.showPin)}>Show PIN</button>
        </div>`;
    return fieldRow('pin', 'PIN', control, error, '4 to 12 digits the caller types on the phone keypad. Empty: no PIN.');
  }

  private renderAction(draft: SettingsDraft, name: 'door' | 'light') {
    const profile = draft.actions[name];
    const update = (change: Partial<ActionProfile>) => ({ actions: { ...draft.actions, [name]: { ...profile, ...change } } });
    return html`<fieldset>
      <legend>${OUTPUT_LABELS[name]}</legend>
      ${this.selectField(`actions.${name}.mode`, 'Mode', profile.mode, ACTION_MODES, (v) =>
        update({ mode: v as ActionProfile['mode'], durationSeconds: UNTIMED_ACTION_MODES.includes(v) ? null : (profile.durationSeconds ?? 3) }))}
      ${UNTIMED_ACTION_MODES.includes(profile.mode)
        ? html`<p class="hint">No duration: the output stays as it is until the next action.</p>`
        : this.numberField(`actions.${name}.durationSeconds`, profile.mode === 'on' ? 'Switch off after (s, empty: never)' : 'Duration (s)',
            profile.durationSeconds ?? NaN, (n) => update({ durationSeconds: Number.isNaN(n) ? null : n }), { min: 0.1, max: 600, step: 0.1 })}
      ${this.inputField(`actions.${name}.httpUrl`, 'URL (optional)', profile.httpUrl, (v) => update({ httpUrl: v.trim() }), 'url')}
    </fieldset>`;
  }

  // Field renderers: label, control, hint and error tied together by id.

  private selectField(field: string, label: string, value: string, options: Record<string, string>, change: (value: string) => Partial<SettingsDraft>) {
    const error = this.errorFor(field);
    const control = html`<select
      id=${fieldId(field)}
      aria-invalid=${ariaInvalid(error)}
      aria-describedby=${describedBy(field, error)}
      @change=${(e: Event) => this.patch(field, change((e.target as HTMLSelectElement).value))}
    >
      ${Object.entries(options).map(([key, text]) => html`<option value=${key} ?selected=${key === value}>${text}</option>`)}
    </select>`;
    return fieldRow(field, label, control, error);
  }

  private numberField(
    field: string,
    label: string,
    value: number,
    change: (value: number) => Partial<SettingsDraft>,
    range: { min: number; max: number; step: number },
  ) {
    const error = this.errorFor(field);
    const control = html`<input
      id=${fieldId(field)}
      type="number"
      min=${range.min}
      max=${range.max}
      step=${range.step}
      .value=${Number.isNaN(value) ? '' : String(value)}
      aria-invalid=${ariaInvalid(error)}
      aria-describedby=${describedBy(field, error)}
      @input=${(e: Event) => this.patch(field, change((e.target as HTMLInputElement).valueAsNumber))}
    />`;
    return fieldRow(field, label, control, error);
  }

  private inputField(field: string, label: string, value: string, change: (value: string) => Partial<SettingsDraft>, type = 'text') {
    const error = this.errorFor(field);
    const control = html`<input
      id=${fieldId(field)}
      type=${type}
      .value=${value}
      aria-invalid=${ariaInvalid(error)}
      aria-describedby=${describedBy(field, error)}
      @input=${(e: Event) => this.patch(field, change((e.target as HTMLInputElement).value))}
    />`;
    return fieldRow(field, label, control, error);
  }

  private textareaField(field: string, label: string, value: string, change: (value: string) => Partial<SettingsDraft>, hint: string) {
    const error = this.errorFor(field);
    const control = html`<textarea
      id=${fieldId(field)}
      rows="4"
      spellcheck="false"
      .value=${value}
      aria-invalid=${ariaInvalid(error)}
      aria-describedby=${describedBy(field, error, true)}
      @input=${(e: Event) => this.patch(field, change((e.target as HTMLTextAreaElement).value))}
    ></textarea>`;
    return fieldRow(field, label, control, error, hint);
  }

  /** The gateway's verdict wins; local errors show once the field was edited or Set pressed. */
  private errorFor(field: string): string | undefined {
    const server = this.serverErrors.get(field);
    if (server) return server;
    return this.submitted || this.touched.has(field) ? this.#localErrors.get(field) : undefined;
  }

  private patch(field: string, change: Partial<SettingsDraft>): void {
    if (!this.draft) return;
    this.draft = { ...this.draft, ...change };
    this.touched = new Set([...this.touched, field]);
    this.notice = '';
    if (this.serverErrors.has(field)) this.serverErrors = new Map([...this.serverErrors].filter(([key]) => key !== field));
  }

  private addLastCaller(): void {
    if (this.lastCaller) this.addAccepted(this.lastCaller.caller);
  }

  private addAccepted(caller: string): void {
    const draft = this.draft;
    if (!draft) return;
    const lines = linesOf(draft.acceptedCallersText);
    if (lines.includes(caller)) return;
    this.patch('acceptedCallers', { acceptedCallersText: [...lines, caller].join('\n') });
  }

  /** Set: validate every field, then make the settings the running ones. */
  private async set(event: Event): Promise<void> {
    event.preventDefault();
    if (!this.draft) return;
    const validation = validateDraft(this.draft);
    if (!validation.ok) {
      this.submitted = true;
      await focusFirstInvalid(this);
      return;
    }
    await this.run('set', async () => {
      this.showView(await this.requests.api.setSettings(validation.settings));
      this.notice = 'The settings are active until the gateway restarts. Close to store them permanently.';
    });
  }

  /** Factory: loads the defaults into the form; the camera runs on unchanged until Set. */
  private factory(): void {
    this.fillForm(FACTORY_SETTINGS, 'Factory defaults loaded into the form. Press Set to apply them.');
  }

  /** Restore: loads the stored settings into the form, undoing what was not stored, once Set. */
  private restore(): void {
    if (!this.view) return;
    this.fillForm(this.view.stored, 'The stored settings are loaded into the form. Press Set to apply them.');
  }

  private fillForm(settings: IncomingCallsSettings, notice: string): void {
    this.draft = toDraft(settings);
    this.touched = new Set();
    this.submitted = false;
    this.serverErrors = new Map();
    this.requests.showError('');
    this.notice = notice;
  }

  /** Close: if the running settings differ from the stored ones, offer to store them. */
  private async close(): Promise<void> {
    let dirty = false;
    const ok = await this.run('close', async () => {
      const view = await this.requests.api.settings();
      this.view = view;
      dirty = view.dirty;
    });
    if (!ok) return;
    if (dirty) this.storeDialog.showModal();
    else this.closed();
  }

  private async storeAndClose(): Promise<void> {
    const ok = await this.run('store', async () => {
      this.showView(await this.requests.api.storeSettings());
    });
    this.storeDialog.close();
    if (ok) this.closed();
  }

  private closeWithoutStoring(): void {
    this.storeDialog.close();
    this.closed();
  }

  private closed(): void {
    this.dispatchEvent(new CustomEvent('camgate-close', { bubbles: true, composed: true }));
  }

  private get storeDialog(): HTMLDialogElement {
    return this.renderRoot.querySelector('dialog')!;
  }

  private showView(view: SettingsView): void {
    const changedByUs = this.view !== null;
    this.view = view;
    this.fillForm(view.running, '');
    if (changedByUs) this.dispatchEvent(new CustomEvent('camgate-settings-changed', { detail: { view }, bubbles: true, composed: true }));
  }

  private async reloadMessages(): Promise<void> {
    this.messages = await this.requests.api.messages().catch(() => this.messages);
  }

  private async reloadProfiles(): Promise<void> {
    this.profiles = await this.requests.api.emailProfiles().catch(() => this.profiles);
  }

  /** Runs one gateway request; a field error lands at its field, anything else on top. */
  private run(busy: Busy, request: () => Promise<void>): Promise<boolean> {
    return this.requests.run(busy, request, async (error) => {
      if (!(error instanceof ApiError) || (!error.field && error.issues.length === 0)) return errorMessage(error);
      this.serverErrors = serverFieldErrors(error);
      await focusFirstInvalid(this);
      // A field this form does not show would hide the message: show it on top then.
      const shown = [...this.serverErrors.keys()].every((field) => this.renderRoot.querySelector(`#${fieldId(field)}`));
      return shown ? '' : error.message;
    });
  }
}
