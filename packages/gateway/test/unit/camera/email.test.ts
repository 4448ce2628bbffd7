import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { simpleParser, type ParsedMail } from 'mailparser';
import { PNG } from 'pngjs';
import { SMTPServer } from 'smtp-server';
import type { EmailProfile } from '@camgate/protocol';
import { createCameraFixture, type CameraFixture } from './camera-fixture.ts';

const PROFILE: EmailProfile = {
  id: 'office',
  name: 'Office',
  host: '127.0.0.1',
  port: 0,
  security: 'none',
  username: '',
  password: '',
  from: 'camera@example.com',
  to: ['guard@example.com'],
  subject: 'Camera event',
};

describe('key 5: "Send an email with an event image as attachment" (real SMTP server)', () => {
  let f: CameraFixture;
  let smtp: SMTPServer;
  let smtpPort: number;
  let mails: Promise<ParsedMail>[];

  beforeEach(async () => {
    mails = [];
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, done) {
        mails.push(simpleParser(stream));
        stream.on('end', () => done());
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as { port: number }).port;
    f = await createCameraFixture({ emailTimeoutMs: 5000 });
  });

  afterEach(async () => {
    await f.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('mails a picture taken at the moment of the command, with local time, and says it worked', async () => {
    await f.store.emailProfiles.put({ ...PROFILE, port: smtpPort }, f.clock.now());
    f.configure({ pin: '', welcomeMessageId: null, emailProfileId: 'office' });
    // A caller trying to inject a header through its SIP user part.
    const { port, call } = await f.call('c1', { uri: 'sip:evil%0D%0ABcc%3A%20victim%40example.net@attacker.example' });
    await f.press(call, '1#'); // door event: its picture shows the door open
    const door = (await f.store.events.latest())!;
    f.clock.advance(5000); // the door pulse (3 s) is over: now the door is shut

    await f.press(call, '5');
    expect(port.lastSaid).toBe('five: email event image');
    const ran = call.waitFor('command');
    await f.press(call, '#');
    const [result] = await ran;
    expect(result).toEqual({ digit: 5, name: 'email event image', ok: true });
    expect(port.lastSaid).toBe('The email was sent.');

    expect(mails).toHaveLength(1);
    const mail = await mails[0]!;
    expect(mail.subject).toBe('Camera event');
    expect(mail.from?.text).toBe('camera@example.com');
    expect((Array.isArray(mail.to) ? mail.to : [mail.to]).map((a) => a?.text)).toEqual(['guard@example.com']);
    expect(mail.bcc).toBeUndefined();
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.text).not.toMatch(/\r|victim@example\.net\n/);
    // Not the previous event's picture: a fresh one, an event of its own.
    const fresh = (await f.store.events.latest())!;
    expect(fresh.kind).toBe('email');
    expect(fresh.id).toBeGreaterThan(door.id);
    expect(mail.attachments).toHaveLength(1);
    const attachment = mail.attachments[0]!;
    expect(attachment.contentType).toBe('image/png');
    expect(attachment.filename).toBe(`event-${fresh.id}.png`);
    expect(attachment.content.equals((await f.store.events.image(fresh.id))!.data)).toBe(true);
    expect(attachment.content.equals((await f.store.events.image(door.id))!.data)).toBe(false);
    expect(PNG.sync.read(attachment.content).width).toBe(320);
    // The factory zone is UTC, spelled out for a person, not ISO.
    expect(mail.text).toContain('Thursday, 26 November 2026 at 14:05:05 UTC');
    expect(mail.text).not.toMatch(/2026-11-26T/);
  });

  it('writes the time in the camera\'s time zone and language, and speaks that language', async () => {
    await f.store.emailProfiles.put({ ...PROFILE, port: smtpPort }, f.clock.now());
    f.configure({
      pin: '', welcomeMessageId: null, emailProfileId: 'office',
      locale: { countryCode: '49', trunkPrefix: '0', timeZone: 'Europe/Berlin', language: 'de' },
    });
    const { port, call } = await f.call('c1');
    await f.press(call, '5');
    expect(port.lastSaid).toBe('fünf: Ereignisbild per E-Mail');
    const ran = call.waitFor('command');
    await f.press(call, '#');
    expect((await ran)[0].ok).toBe(true);
    expect(port.lastSaid).toBe('Die E-Mail wurde gesendet.');
    const mail = await mails[0]!;
    expect(mail.text).toContain('Donnerstag, 26. November 2026 um 15:05:00 MEZ');
  });

  it('says so when the mail cannot be sent, and the LEDs show an error', async () => {
    await f.store.emailProfiles.put({ ...PROFILE, port: f.internetPort }, f.clock.now()); // a TCP port that is no SMTP server
    f.configure({ pin: '', welcomeMessageId: null, emailProfileId: 'office' });
    const { port, call } = await f.call('c1');
    const led: string[] = [];
    f.camera.on('led', (state) => led.push(state));
    await f.press(call, '6#');
    const ran = call.waitFor('command');
    await f.press(call, '5#');
    const [result] = await ran;
    expect(result.ok).toBe(false);
    expect(port.lastSaid).toBe('The email could not be sent.');
    expect(led).toContain('error');
    expect((await f.store.callLog.get('c1'))?.commands).toEqual(['6 user click', '5 email event image (failed)']);
  });
});
