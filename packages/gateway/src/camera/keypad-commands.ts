import {
  KEYPAD_COMMANDS,
  type AudioMode,
  type EmailProfile,
  type IncomingCallsSettings,
  type KeypadDigit,
  type OutputName,
} from '@camgate/protocol';
import type { Clock } from '../core/clock.ts';
import type { ActionRunner } from './device/action-runner.ts';
import type { EmailSender } from './device/email-sender.ts';
import type { EventRecorder } from './device/event-recorder.ts';
import type { InternetProbe } from './device/internet-probe.ts';
import type { Output } from './device/output.ts';

/** What a command did, for the caller's ear and the LEDs. */
export interface CommandOutcome {
  ok: boolean;
  /** Spoken to the caller once the command finished. */
  say: string;
}

/** The call a command runs in. */
export interface CommandContext {
  callId: string;
  /** The caller as presented (number or sip:user@host); untrusted text. */
  caller: string;
  settings: IncomingCallsSettings;
  setAudioMode(mode: AudioMode): void;
}

export interface KeypadCommand {
  readonly digit: KeypadDigit;
  /** As spoken back on selection: "one: door opener". */
  readonly name: string;
  /** Unavailable commands are not acknowledged (help page: "this command is not available"). */
  available(settings: IncomingCallsSettings): boolean;
  run(context: CommandContext): Promise<CommandOutcome>;
}

/** The parts of the camera the commands act on. */
export interface KeypadDevice {
  clock: Clock;
  outputs: Record<OutputName, Output>;
  actions: ActionRunner;
  events: EventRecorder;
  email: EmailSender;
  emailProfile(id: string): EmailProfile | null;
  internet: InternetProbe;
  /** Spoken date and time of an instant ("Thursday, the twenty-sixth of November 2026, 14:05"). */
  spokenTime(epochMs: number): string;
}

const MODE_WORDS: Record<Exclude<AudioMode, 'none'>, string> = { listen: 'Listen', speak: 'Speak', intercom: 'Intercom' };
const INTERNET_WORDS = { online: 'online', offline: 'offline', unknown: 'not known' } as const;

/** What the commands answer word for word (rendered once at start-up, so feedback is instant). */
export const COMMAND_PHRASES = {
  doorOpened: 'Door opener triggered.',
  lightOn: 'Light on.',
  lightOff: 'Light off.',
  listen: `${MODE_WORDS.listen} mode.`,
  speak: `${MODE_WORDS.speak} mode.`,
  intercom: `${MODE_WORDS.intercom} mode.`,
  noEmailProfile: 'No email profile is set.',
  noEventImage: 'There is no event image yet.',
  emailSent: 'The email was sent.',
  emailFailed: 'The email could not be sent.',
  userClick: 'User click event triggered.',
  noEvents: 'There are no events yet.',
} as const;

/** The main menu of the help page ("Keypad Commands of the Main Menu"), by digit. */
export function createKeypadMenu(device: KeypadDevice): ReadonlyMap<KeypadDigit, KeypadCommand> {
  const always = () => true;
  const command = (
    digit: KeypadDigit,
    run: KeypadCommand['run'],
    available: KeypadCommand['available'] = always,
  ): KeypadCommand => ({ digit, name: KEYPAD_COMMANDS[digit] ?? '', available, run });

  const switchOutput = (name: OutputName) => async (context: CommandContext): Promise<CommandOutcome> => {
    device.actions.run(device.outputs[name], context.settings.actions[name], `call ${context.callId}`);
    const active = device.outputs[name].state.active;
    const state = name === 'door' ? 'door opener triggered' : `light ${active ? 'on' : 'off'}`;
    await device.events.record(name, `${state} by ${context.caller}`, context.callId);
    const say = name === 'door' ? COMMAND_PHRASES.doorOpened : active ? COMMAND_PHRASES.lightOn : COMMAND_PHRASES.lightOff;
    return { ok: true, say };
  };

  const audioMode = (mode: Exclude<AudioMode, 'none'>) => async (context: CommandContext): Promise<CommandOutcome> => {
    context.setAudioMode(mode);
    return { ok: true, say: COMMAND_PHRASES[mode] };
  };

  const profileOf = (settings: IncomingCallsSettings) =>
    settings.emailProfileId === null ? null : device.emailProfile(settings.emailProfileId);

  const emailLatestImage = async (context: CommandContext): Promise<CommandOutcome> => {
    const profile = profileOf(context.settings);
    const latest = device.events.latestImage();
    if (!profile) return { ok: false, say: COMMAND_PHRASES.noEmailProfile };
    if (!latest) return { ok: false, say: COMMAND_PHRASES.noEventImage };
    try {
      await device.email.sendEventImage({
        profile,
        event: latest.event,
        image: latest.image,
        requestedBy: context.caller,
        eventTime: new Date(latest.event.at).toISOString(),
      });
      await device.events.record('email', `event ${latest.event.id} emailed with profile ${profile.name}`, context.callId);
      return { ok: true, say: COMMAND_PHRASES.emailSent };
    } catch (error) {
      await device.events.record('email', `email with profile ${profile.name} failed: ${(error as Error).message}`, context.callId);
      return { ok: false, say: COMMAND_PHRASES.emailFailed };
    }
  };

  const cameraInformation = async (): Promise<CommandOutcome> => {
    const lastEventAt = device.events.lastEventAt;
    const internet = await device.internet.check();
    const lastEvent =
      lastEventAt === null ? COMMAND_PHRASES.noEvents : `The last event was on ${device.spokenTime(lastEventAt)}.`;
    return { ok: true, say: `${lastEvent} The Internet connection is ${INTERNET_WORDS[internet]}.` };
  };

  const commands: KeypadCommand[] = [
    command(1, switchOutput('door')),
    command(3, switchOutput('light')),
    command(4, async () => ({ ok: true, say: `It is ${device.spokenTime(device.clock.now())}.` })),
    command(5, emailLatestImage, (settings) => profileOf(settings) !== null),
    command(6, async (context) => {
      await device.events.record('user-click', `user click by ${context.caller}`, context.callId);
      return { ok: true, say: COMMAND_PHRASES.userClick };
    }),
    command(7, audioMode('listen')),
    command(8, audioMode('speak')),
    command(9, audioMode('intercom')),
    command(0, cameraInformation),
  ];
  return new Map(commands.map((c) => [c.digit, c]));
}
