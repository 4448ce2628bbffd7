import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import type { Logger } from '../core/logger.ts';

export interface TlsMaterial {
  cert: string;
  key: string;
}

const SELF_SIGNED_DAYS = 825; // the longest validity browsers accept for a server certificate

/**
 * The certificate of the camera UI. Browsers grant the microphone (the softphone) only to
 * https pages or localhost, so a camera reached over the LAN needs TLS: either the
 * installer's own certificate, or one generated once and kept in the data directory.
 */
export async function loadTls(
  options: { cert?: string; key?: string; selfSigned: boolean; dataDir: string; hostnames: string[] },
  logger: Logger,
): Promise<TlsMaterial | undefined> {
  if (options.cert && options.key) {
    return { cert: await readFile(options.cert, 'utf8'), key: await readFile(options.key, 'utf8') };
  }
  if (!options.selfSigned) return undefined;
  const dir = join(options.dataDir, 'tls');
  const certPath = join(dir, 'self-signed-cert.pem');
  const keyPath = join(dir, 'self-signed-key.pem');
  try {
    return { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const names = [...new Set(['localhost', ...options.hostnames])];
  const generated = await generate([{ name: 'commonName', value: options.hostnames[0] ?? 'camgate' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + SELF_SIGNED_DAYS * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((n) => (isIP(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n })) },
    ],
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(keyPath, generated.private, { mode: 0o600 });
  await writeFile(certPath, generated.cert);
  logger.info({ certPath, fingerprint: generated.fingerprint, names }, 'generated a self-signed certificate');
  return { cert: generated.cert, key: generated.private };
}
