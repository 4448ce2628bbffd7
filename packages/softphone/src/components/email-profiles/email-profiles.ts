import { CamgateEmailProfiles } from './email-profiles.component.ts';

export { CamgateEmailProfiles };
if (!customElements.get('camgate-email-profiles')) customElements.define('camgate-email-profiles', CamgateEmailProfiles);

declare global {
  interface HTMLElementTagNameMap {
    'camgate-email-profiles': CamgateEmailProfiles;
  }
}
