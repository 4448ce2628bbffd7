/**
 * Library entry (dist/camgate.js): importing it registers every camgate component.
 *   <script type="module" src="http://gateway:8080/camgate.js"></script>
 *   <camgate-softphone gateway="http://gateway:8080" username="…" password="…"></camgate-softphone>
 */
import './zod-config.ts';

export { CamgateKeypad } from './components/keypad/keypad.ts';
export { CamgateSoftphone } from './components/softphone/softphone.ts';
export { CamgateAudioMessages } from './components/audio-messages/audio-messages.ts';
export { CamgateEmailProfiles } from './components/email-profiles/email-profiles.ts';
export { CamgateIncomingCalls } from './components/incoming-calls/incoming-calls.ts';
export { CamgateLockouts } from './components/lockouts/lockouts.ts';
export { CamgateSoftphoneAccounts } from './components/softphone-accounts/softphone-accounts.ts';
export { CamgateLiveView } from './components/live-view/live-view.ts';
export { CamgateCameraPage } from './pages/camera-page.ts';
export { CamgateCameraList } from './pages/camera-list.ts';
export { CamgateApp } from './pages/app.ts';
