/**
 * <camgate-lockouts>: the callers and addresses locked out after wrong PINs, with the time
 * each lock-out ends (the browser's local time) and an Unlock button for the admin.
 *
 * Attributes: `gateway` (base URL; default same origin). `reload()` fetches the list again
 * (the page calls it whenever a call ends: that is when lock-outs begin).
 */
import { LitElement, html, nothing } from 'lit';
import type { Lockout } from '@camgate/protocol';
import { formStyles } from '../form/form.styles.ts';
import { buttonStyles, panelStyles } from '../../styles/shared.styles.ts';
import { lockoutsStyles } from './lockouts.styles.ts';
import { GatewayRequests } from '../../controllers/gateway-requests.ts';
import { formatTime } from '../../services/format.ts';

const KIND_LABELS: Record<Lockout['kind'], string> = { caller: 'Caller', address: 'Address', provider: 'Provider' };

export class CamgateLockouts extends LitElement {
  static override styles = [panelStyles, formStyles, buttonStyles, lockoutsStyles];
  static override properties = {
    gateway: { type: String },
    lockouts: { state: true },
    notice: { state: true },
  };

  gateway = '';
  private lockouts: Lockout[] = [];
  private notice = '';
  private readonly requests = new GatewayRequests(this);

  override connectedCallback(): void {
    super.connectedCallback();
    void this.reload();
  }

  async reload(): Promise<void> {
    await this.requests.run('busy', async () => {
      this.lockouts = await this.requests.api.lockouts();
    });
  }

  override render() {
    return html`
      <h2 id="lockouts-heading">Locked out</h2>
      ${this.lockouts.length === 0
        ? html`<p class="hint">No caller is locked out.</p>`
        : html`<ul aria-labelledby="lockouts-heading">
            ${this.lockouts.map(
              (lockout) => html`<li>
                <span class="who"><span class="kind">${KIND_LABELS[lockout.kind]}</span> <span class="label">${lockout.label}</span></span>
                <span class="hint">until ${formatTime(lockout.lockedUntil)}</span>
                <button type="button" aria-label=${`Unlock ${lockout.label}`} ?disabled=${this.requests.busy !== null} @click=${() => this.unlock(lockout)}>
                  Unlock
                </button>
              </li>`,
            )}
          </ul>`}
      ${this.requests.error ? html`<p class="error" role="alert">${this.requests.error}</p>` : nothing}
      ${this.notice ? html`<p class="notice" role="status">${this.notice}</p>` : nothing}
    `;
  }

  private async unlock(lockout: Lockout): Promise<void> {
    this.notice = '';
    const ok = await this.requests.run('busy', async () => {
      await this.requests.api.unlock(lockout.key);
      this.lockouts = await this.requests.api.lockouts();
    });
    if (ok) this.notice = `${lockout.label} may call again.`;
  }
}
