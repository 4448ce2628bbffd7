/** A real SMTP server on loopback (the `smtp-server` package) that remembers who got mail. */
import { SMTPServer } from 'smtp-server';

export interface TestSmtpServer {
  port: number;
  /** Every RCPT TO so far, in order. */
  recipients: string[];
  /** Idempotent. */
  close(): Promise<void>;
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const recipients: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      recipients.push(address.address);
      callback();
    },
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => callback());
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  let closed: Promise<void> | null = null;
  return {
    port,
    recipients,
    close: () => (closed ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}
