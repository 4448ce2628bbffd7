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

describe('key 5: "Send an email with the latest event image as attachment" (real SMTP server)', () => {
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

  it('mails the latest event image with the selected profile and says it worked', async () => {
    f.store.emailProfiles.put({ ...PROFILE, port: smtpPort }, f.clock.now());
    f.configure({ pin: '', welcomeMessageId: null, emailProfileId: 'office' });
    // A caller trying to inject a header through its SIP user part.
    const { port, call } = await f.call('c1', { uri: 'sip:evil%0D%0ABcc%3A%20victim%40example.net@attacker.example' });
    await f.press(call, '1#'); // door event: the latest event image
    const door = f.store.events.latest()!;

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
    expect(mail.text).toContain('door');
    expect(mail.text).not.toMatch(/\r|victim@example\.net\n/);
    expect(mail.attachments).toHaveLength(1);
    const attachment = mail.attachments[0]!;
    expect(attachment.contentType).toBe('image/png');
    expect(attachment.filename).toBe(`event-${door.id}.png`);
    expect(attachment.content.equals(f.store.events.image(door.id)!.data)).toBe(true);
    expect(PNG.sync.read(attachment.content).width).toBe(320);
    expect(f.store.events.latest()?.kind).toBe('email');
  });

  it('says so when the mail cannot be sent, and the LEDs show an error', async () => {
    f.store.emailProfiles.put({ ...PROFILE, port: f.internetPort }, f.clock.now()); // a TCP port that is no SMTP server
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
    expect(f.store.callLog.get('c1')?.commands).toEqual(['6 user click', '5 email event image (failed)']);
  });
});
