import { CamgateSoftphoneAccounts } from './softphone-accounts.component.ts';

export { CamgateSoftphoneAccounts };
if (!customElements.get('camgate-softphone-accounts')) customElements.define('camgate-softphone-accounts', CamgateSoftphoneAccounts);

declare global {
  interface HTMLElementTagNameMap {
    'camgate-softphone-accounts': CamgateSoftphoneAccounts;
  }
}
