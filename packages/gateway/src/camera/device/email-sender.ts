import type { CameraEvent, EmailProfile } from '@camgate/protocol';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { StoredImage } from '../../store/event-repository.ts';

const EMAIL_TIMEOUT_MS = 15_000;

export interface EventImageMail {
  profile: EmailProfile;
  event: CameraEvent;
  image: StoredImage;
  /** Who asked for it (a caller's number or address): untrusted, goes to the body only. */
  requestedBy: string;
  /** Time of the event for the body, in the camera's time zone and language. */
  eventTime: string;
}

/** Text from outside made safe for a plain-text body line: no control characters (no CR/LF), bounded. */
function plainTextLine(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').slice(0, max);
}

const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg' };

/**
 * Sends an event image (key 5: a picture taken for the command) with an email profile.
 * Every header comes from the profile the admin configured; caller-supplied text only
 * appears in the plain-text body.
 */
export class EmailSender {
  constructor(private readonly timeoutMs = EMAIL_TIMEOUT_MS) {}

  async sendEventImage(mail: EventImageMail): Promise<void> {
    const { profile, event, image } = mail;
    await this.#send(profile, {
      subject: plainTextLine(profile.subject || 'Camera event image'),
      text: [
        `Event: ${event.kind} at ${plainTextLine(mail.eventTime)}.`,
        `Details: ${plainTextLine(event.detail)}`,
        `Requested by phone: ${plainTextLine(mail.requestedBy)}`,
      ].join('\n'),
      attachments: [
        {
          filename: `event-${event.id}.${EXTENSIONS[image.contentType] ?? 'img'}`,
          content: image.data,
          contentType: image.contentType,
        },
      ],
    });
  }

  /** The settings dialog's "Send test email": proves the profile works; rejects with the SMTP error. */
  async sendTest(profile: EmailProfile): Promise<void> {
    await this.#send(profile, {
      subject: plainTextLine(`${profile.subject || 'Camera event image'} (test)`),
      text: `This test email shows that the camera can send email with the profile "${plainTextLine(profile.name)}".`,
    });
  }

  async #send(profile: EmailProfile, content: Pick<Mail.Options, 'subject' | 'text' | 'attachments'>): Promise<void> {
    const transport = nodemailer.createTransport({
      host: profile.host,
      port: profile.port,
      secure: profile.security === 'tls',
      requireTLS: profile.security === 'starttls',
      ignoreTLS: profile.security === 'none',
      auth: profile.username === '' ? undefined : { user: profile.username, pass: profile.password },
      connectionTimeout: this.timeoutMs,
      greetingTimeout: this.timeoutMs,
      socketTimeout: this.timeoutMs,
    });
    try {
      await transport.sendMail({ from: profile.from, to: profile.to, ...content });
    } finally {
      transport.close();
    }
  }
}
