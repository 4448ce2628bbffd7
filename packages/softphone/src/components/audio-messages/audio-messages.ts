import { CamgateAudioMessages } from './audio-messages.component.ts';

export { CamgateAudioMessages };
if (!customElements.get('camgate-audio-messages')) customElements.define('camgate-audio-messages', CamgateAudioMessages);

declare global {
  interface HTMLElementTagNameMap {
    'camgate-audio-messages': CamgateAudioMessages;
  }
}
