/**
 * What the camera page needs from a whole gateway over real HTTP: the admin's own softphone
 * identity (stable, digest-checked, nameable in the accepted list), Factory/Restore that do
 * not touch the running camera, the email profiles' test email (a real SMTP server) and the
 * favicon.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { SettingsView, SoftphoneCredentials } from '@camgate/protocol';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { JsSipPhone } from '../support/jssip.ts';

describe('the camera page’s gateway routes', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.close();
  });

  /** The final answer to a call from JsSIP, e.g. "403 Caller Not Accepted". */
  const answer = async (options: { username: string; password: string; fromUser?: string }) => {
    const phone = await JsSipPhone.start({ wsUrl: `${gw.baseUrl.replace('http', 'ws')}/sip`, ...options });
    try {
      const { session } = phone.call(gw.sipUri);
      return await new Promise<string>((resolve) =>
        session.once('failed', (e: { message?: { status_code?: number; reason_phrase?: string } }) =>
          resolve(`${e.message?.status_code} ${e.message?.reason_phrase}`),
        ),
      );
    } finally {
      await phone.close();
    }
  };

  it('the admin’s page softphone calls as sip:admin@gateway with the same credential every time', async () => {
    const first = await gw.api<SoftphoneCredentials>('POST', '/api/softphone/credentials');
    const second = await gw.api<SoftphoneCredentials>('POST', '/api/softphone/credentials');
    expect(first).toMatchObject({ username: 'admin', uri: 'sip:admin@127.0.0.1' });
    expect(second).toEqual(first);

    // An accepted list naming that identity lets the page's calls past the list.
    const view = await gw.api<SettingsView>('GET', '/api/cameras/camera/settings');
    await gw.api('PUT', '/api/cameras/camera/settings', { ...view.running, enabled: false, acceptedCallers: [first.uri] });
    expect(await answer({ username: 'admin', password: first.password })).toBe('480 Incoming Calls Disabled');
    await gw.api('PUT', '/api/cameras/camera/settings', { ...view.running, acceptedCallers: ['sip:someone-else@example.org'] });
    expect(await answer({ username: 'admin', password: first.password })).toBe('403 Caller Not Accepted');
    // Still digest-checked, and no other account may call in its name.
    expect(await answer({ username: 'admin', password: 'guessed-password' })).toBe('403 Wrong Credentials');
    await gw.api('PUT', '/api/softphone-accounts/frontdoor', { password: 'door-pass-1' });
    expect(await answer({ username: 'frontdoor', password: 'door-pass-1', fromUser: 'admin' })).toBe('403 From Is Not The Account');
    const taken = await fetch(`${gw.baseUrl}/api/softphone-accounts/admin`, {
      method: 'PUT',
      headers: { cookie: gw.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'known-to-all' }),
    });
    expect(taken.status).toBe(409);
    expect(await taken.json()).toMatchObject({ field: 'username' });
    await gw.api('PUT', '/api/cameras/camera/settings', view.running);
  });

  it('has no request that loads Factory or Restore into the running camera', async () => {
    for (const action of ['factory', 'restore']) {
      const response = await fetch(`${gw.baseUrl}/api/cameras/camera/settings/${action}`, { method: 'POST', headers: { cookie: gw.cookie } });
      expect(response.status).toBe(404);
    }
  });

  describe('POST /api/email-profiles/:id/test', () => {
    let smtp: SMTPServer;
    let smtpPort: number;
    const mails: Promise<ParsedMail>[] = [];

    beforeAll(async () => {
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
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    });

    const profile = (port: number) => ({
      name: 'Office',
      host: '127.0.0.1',
      port,
      security: 'none',
      username: '',
      password: '',
      from: 'camera@example.com',
      to: ['guard@example.com'],
      subject: 'Camera event',
    });

    it('sends a test email with the profile and answers 204', async () => {
      await gw.api('PUT', '/api/email-profiles/office', profile(smtpPort));
      const response = await fetch(`${gw.baseUrl}/api/email-profiles/office/test`, { method: 'POST', headers: { cookie: gw.cookie } });
      expect(response.status).toBe(204);
      expect(mails).toHaveLength(1);
      const mail = await mails[0]!;
      expect(mail.to).toMatchObject({ text: 'guard@example.com' });
      expect(mail.subject).toBe('Camera event (test)');
      expect(mail.text).toContain('"Office"');
    });

    it('answers 502 with the mail server’s error when sending fails, 404 for no profile', async () => {
      // A TCP port where nothing listens: the connection is refused at once.
      const closed = new SMTPServer({ logger: false });
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const closedPort = (closed.server.address() as { port: number }).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      await gw.api('PUT', '/api/email-profiles/broken', profile(closedPort));
      const response = await fetch(`${gw.baseUrl}/api/email-profiles/broken/test`, { method: 'POST', headers: { cookie: gw.cookie } });
      expect(response.status).toBe(502);
      expect(((await response.json()) as { error: string }).error).toMatch(/^The mail server did not take the test email: .*ECONNREFUSED/);
      const missing = await fetch(`${gw.baseUrl}/api/email-profiles/none/test`, { method: 'POST', headers: { cookie: gw.cookie } });
      expect(missing.status).toBe(404);
    });
  });
});
