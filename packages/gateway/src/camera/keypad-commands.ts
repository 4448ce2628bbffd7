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
import { PHRASES } from './phrases.ts';
import { spokenDateTime, writtenDateTime } from './spoken-time.ts';

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
  /** For the call log (English, like KEYPAD_COMMANDS); spoken names are in phrases.ts. */
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
}

/** The main menu of the help page ("Keypad Commands of the Main Menu"), by digit. Commands speak the call's language. */
export function createKeypadMenu(device: KeypadDevice): ReadonlyMap<KeypadDigit, KeypadCommand> {
  const always = () => true;
  const command = (
    digit: KeypadDigit,
    run: KeypadCommand['run'],
    available: KeypadCommand['available'] = always,
  ): KeypadCommand => ({ digit, name: KEYPAD_COMMANDS[digit] ?? '', available, run });
  const phrasesOf = (context: CommandContext) => PHRASES[context.settings.locale.language];
  const spokenTime = (context: CommandContext, epochMs: number) =>
    spokenDateTime(epochMs, context.settings.locale.timeZone, context.settings.locale.language);

  const switchOutput = (name: OutputName) => async (context: CommandContext): Promise<CommandOutcome> => {
    device.actions.run(device.outputs[name], context.settings.actions[name], `call ${context.callId}`);
    const active = device.outputs[name].state.active;
    const state = name === 'door' ? 'door opener triggered' : `light ${active ? 'on' : 'off'}`;
    // The event's picture can take a moment (a still from the live video): the caller hears
    // the door open at once, and the recorder logs a failed picture itself.
    void device.events.record(name, `${state} by ${context.caller}`, context.callId).catch(() => undefined);
    const { feedback } = phrasesOf(context);
    const say = name === 'door' ? feedback.doorOpened : active ? feedback.lightOn : feedback.lightOff;
    return { ok: true, say };
  };

  const audioMode = (mode: Exclude<AudioMode, 'none'>) => async (context: CommandContext): Promise<CommandOutcome> => {
    context.setAudioMode(mode);
    return { ok: true, say: phrasesOf(context).feedback[mode] };
  };

  const profileOf = (settings: IncomingCallsSettings) =>
    settings.emailProfileId === null ? null : device.emailProfile(settings.emailProfileId);

  /** Key 5: a picture taken now (an event of its own), mailed with the event's local time. */
  const emailFreshImage = async (context: CommandContext): Promise<CommandOutcome> => {
    const { feedback } = phrasesOf(context);
    const profile = profileOf(context.settings);
    if (!profile) return { ok: false, say: feedback.noEmailProfile };
    const { event, image } = await device.events.capture('email', `picture requested by ${context.caller} for ${profile.name}`, context.callId);
    if (!image) return { ok: false, say: feedback.noEventImage };
    const { timeZone, language } = context.settings.locale;
    try {
      await device.email.sendEventImage({
        profile,
        event,
        image,
        requestedBy: context.caller,
        eventTime: writtenDateTime(event.at, timeZone, language),
      });
      return { ok: true, say: feedback.emailSent };
    } catch (error) {
      await device.events.record('email', `email with profile ${profile.name} failed: ${(error as Error).message}`, context.callId);
      return { ok: false, say: feedback.emailFailed };
    }
  };

  const cameraInformation = async (context: CommandContext): Promise<CommandOutcome> => {
    const phrases = phrasesOf(context);
    const lastEventAt = device.events.lastEventAt;
    const internet = await device.internet.check();
    const lastEvent = lastEventAt === null ? phrases.feedback.noEvents : phrases.lastEvent(spokenTime(context, lastEventAt));
    return { ok: true, say: `${lastEvent} ${phrases.internet(internet)}` };
  };

  const commands: KeypadCommand[] = [
    command(1, switchOutput('door')),
    command(3, switchOutput('light')),
    command(4, async (context) => ({ ok: true, say: phrasesOf(context).itIs(spokenTime(context, device.clock.now())) })),
    command(5, emailFreshImage, (settings) => profileOf(settings) !== null),
    command(6, async (context) => {
      await device.events.record('user-click', `user click by ${context.caller}`, context.callId);
      return { ok: true, say: phrasesOf(context).feedback.userClick };
    }),
    command(7, audioMode('listen')),
    command(8, audioMode('speak')),
    command(9, audioMode('intercom')),
    command(0, cameraInformation),
  ];
  return new Map(commands.map((c) => [c.digit, c]));
}
