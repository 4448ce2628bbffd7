/**
 * <camgate-audio-messages>: the camera's stored audio messages (help page "Manage Audio
 * Messages"): play, rename, delete, upload a WAV, or record one in the browser.
 *
 * Properties: `gateway` (base URL), `messages` (the list, owned by the parent).
 * Events: `camgate-messages-changed` after any change, so the parent reloads the list.
 */
import { LitElement, html, nothing } from 'lit';
import type { AudioMessage } from '@camgate/protocol';
import { RenameMessageSchema } from '@camgate/protocol';
import { formStyles } from '../form/form.styles.ts';
import { buttonStyles } from '../../styles/shared.styles.ts';
import { audioMessagesStyles } from './audio-messages.styles.ts';
import { GatewayRequests } from '../../controllers/gateway-requests.ts';
import { ApiError } from '../../services/api-client.ts';
import { errorMessage } from '../../services/error-message.ts';
import { formatDuration } from '../../services/format.ts';
import { RecorderController } from '../../controllers/recorder-controller.ts';
import { TickController } from '../../controllers/tick-controller.ts';

export class CamgateAudioMessages extends LitElement {
  static override styles = [formStyles, buttonStyles, audioMessagesStyles];
  static override properties = {
    gateway: { type: String },
    camera: { type: String },
    messages: { attribute: false },
    newName: { state: true },
    file: { state: true },
    renaming: { state: true },
    notice: { state: true },
    playing: { state: true },
    rowError: { state: true },
  };

  gateway = '';
  /** The camera id whose settings and messages these are; empty = the default camera. */
  camera = '';
  messages: AudioMessage[] = [];

  private newName = '';
  private file: File | null = null;
  /** The message being renamed and the name typed so far. */
  private renaming: { id: string; name: string } | null = null;
  private notice = '';
  private playing: string | null = null;
  /** A failed action on one message, shown in its row. */
  private rowError: { id: string; message: string } | null = null;

  private readonly recorder = new RecorderController(this);
  private readonly tick = new TickController(this);
  private readonly requests = new GatewayRequests(this);

  private get busy(): boolean {
    return this.requests.busy !== null;
  }

  protected override updated(): void {
    this.tick.run(this.recorder.state === 'recording');
  }

  override render() {
    const nameInvalid = this.newName.trim() === '' && (this.file !== null || this.recorder.state !== 'idle');
    return html`
      <fieldset>
        <legend>Audio messages</legend>
        ${this.messages.length === 0
          ? html`<p class="hint">No audio messages are stored.</p>`
          : html`<table class="stack" role="table">
              <thead role="rowgroup"><tr role="row"><th role="columnheader" scope="col">Name</th><th role="columnheader" scope="col">Length</th><th role="columnheader" scope="col">Actions</th></tr></thead>
              <tbody role="rowgroup">${this.messages.flatMap((m) => this.renderRow(m))}</tbody>
            </table>`}
        <audio
          controls
          aria-label="Audio message player"
          src=${this.playing ? this.requests.api.messageAudioUrl(this.playing) : ''}
          ?hidden=${!this.playing}
          @ended=${() => (this.playing = null)}
        ></audio>
        <div class="field">
          <label for="new-name">New message name</label>
          <div class="control">
            <input
              id="new-name"
              .value=${this.newName}
              maxlength="100"
              aria-invalid=${nameInvalid ? 'true' : 'false'}
              aria-describedby=${nameInvalid ? 'new-name-error' : nothing}
              @input=${(e: Event) => (this.newName = (e.target as HTMLInputElement).value)}
            />
            ${nameInvalid ? html`<p class="field-error" id="new-name-error">Give the message a name.</p>` : nothing}
          </div>
        </div>
        <div class="field">
          <label for="wav-file">WAV file</label>
          <div class="control inline">
            <input id="wav-file" type="file" accept="audio/wav,.wav" @change=${this.onFile} />
            <button type="button" ?disabled=${this.busy || !this.file || this.newName.trim() === ''} @click=${this.upload}>
              Upload
            </button>
          </div>
        </div>
        <div class="field">
          <span>Record in the browser</span>
          <div class="control inline">
            ${this.recorder.state === 'idle'
              ? html`<button type="button" ?disabled=${this.busy} @click=${this.startRecording}>Record</button>`
              : html`<button type="button" ?disabled=${this.recorder.state !== 'recording' || this.newName.trim() === ''} @click=${this.stopRecording}>
                    Stop and save
                  </button>
                  <span role="status">Recording ${formatDuration(this.tick.now - this.recorder.startedAt)}</span>`}
          </div>
        </div>
        ${this.requests.error ? html`<p class="error" role="alert">${this.requests.error}</p>` : nothing}
        ${this.notice ? html`<p class="notice" role="status">${this.notice}</p>` : nothing}
      </fieldset>
    `;
  }

  private renderRow(message: AudioMessage) {
    const renaming = this.renaming?.id === message.id ? this.renaming : null;
    const error = this.rowError?.id === message.id ? this.rowError.message : '';
    const errorId = `message-error-${message.id}`;
    const row = html`<tr role="row">
      <td role="cell">
        ${renaming
          ? html`<input
              aria-label=${`New name for ${message.name}`}
              .value=${renaming.name}
              maxlength="100"
              @input=${(e: Event) => (this.renaming = { id: message.id, name: (e.target as HTMLInputElement).value })}
              @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && this.rename()}
            />`
          : message.name}
      </td>
      <td role="cell" data-label="Length">${formatDuration(message.durationMs)}</td>
      <td role="cell" class="actions">
        <button type="button" aria-label=${`Play ${message.name}`} @click=${() => this.play(message.id)}>Play</button>
        ${renaming
          ? html`<button type="button" ?disabled=${this.busy} @click=${this.rename}>Save name</button>
              <button type="button" @click=${() => (this.renaming = null)}>Cancel</button>`
          : html`<button
              type="button"
              aria-label=${`Rename ${message.name}`}
              ?disabled=${message.builtin}
              @click=${() => (this.renaming = { id: message.id, name: message.name })}
            >Rename</button>`}
        <button
          type="button"
          aria-label=${`Delete ${message.name}`}
          aria-describedby=${error ? errorId : nothing}
          ?disabled=${message.builtin || this.busy}
          @click=${() => this.deleteMessage(message)}
        >Delete</button>
      </td>
    </tr>`;
    if (!error) return [row];
    return [row, html`<tr role="row" class="row-error"><td role="cell" colspan="3"><p class="error" id=${errorId} role="alert">${error}</p></td></tr>`];
  }

  private onFile(event: Event): void {
    const input = event.target as HTMLInputElement;
    this.file = input.files?.[0] ?? null;
    if (this.file && this.newName.trim() === '') this.newName = this.file.name.replace(/\.wav$/i, '');
  }

  private play(id: string): void {
    this.playing = id;
    // Wait for the new src to be rendered, then start it (a click allows playback).
    void this.updateComplete.then(() => this.renderRoot.querySelector('audio')?.play().catch(() => undefined));
  }

  private async upload(): Promise<void> {
    if (!this.file) return;
    await this.run(async () => {
      const message = await this.requests.api.uploadMessage(this.newName.trim(), this.file!);
      this.file = null;
      this.newName = '';
      this.renderRoot.querySelector<HTMLInputElement>('#wav-file')!.value = '';
      return `Uploaded “${message.name}”.`;
    });
  }

  private async startRecording(): Promise<void> {
    this.notice = '';
    await this.requests.run('busy', () => this.recorder.start());
  }

  private async stopRecording(): Promise<void> {
    await this.run(async () => {
      const wav = await this.recorder.stop();
      const message = await this.requests.api.uploadMessage(this.newName.trim(), wav);
      this.newName = '';
      return `Recorded “${message.name}”.`;
    });
  }

  private async rename(): Promise<void> {
    const renaming = this.renaming;
    if (!renaming) return;
    const parsed = RenameMessageSchema.safeParse({ name: renaming.name });
    if (!parsed.success) {
      this.requests.showError('A message name must be 1 to 100 characters.');
      return;
    }
    await this.run(async () => {
      const message = await this.requests.api.renameMessage(renaming.id, parsed.data.name);
      this.renaming = null;
      return `Renamed to “${message.name}”.`;
    });
  }

  private async deleteMessage(message: AudioMessage): Promise<void> {
    this.rowError = null;
    this.notice = '';
    const deleted = await this.requests.run(
      'busy',
      async () => {
        await this.requests.api.deleteMessage(message.id);
        if (this.playing === message.id) this.playing = null;
        this.notice = `Deleted “${message.name}”.`;
      },
      (error) => {
        // Said at the row it is about; the list-wide alert stays for the rest.
        this.rowError = {
          id: message.id,
          message:
            error instanceof ApiError && error.status === 409
              ? `“${message.name}” is the welcome message in use. Choose another welcome message and press Set, then delete it.`
              : errorMessage(error),
        };
        return '';
      },
    );
    if (deleted) this.dispatchEvent(new CustomEvent('camgate-messages-changed', { bubbles: true, composed: true }));
  }

  /** Runs one change, shows its outcome and tells the parent to reload the list. */
  private async run(change: () => Promise<string>): Promise<void> {
    this.notice = '';
    const changed = await this.requests.run('busy', async () => {
      this.notice = await change();
    });
    if (changed) this.dispatchEvent(new CustomEvent('camgate-messages-changed', { bubbles: true, composed: true }));
  }
}
