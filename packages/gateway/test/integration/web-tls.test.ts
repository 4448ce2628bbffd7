import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { Gateway } from '../../src/gateway.ts';
import { freeSipPort, freeTcpPort } from '../support/ports.ts';

async function startTls(dataDir: string): Promise<{ gateway: Gateway; port: number }> {
  const port = await freeTcpPort();
  const sipPort = await freeSipPort();
  const config = loadConfig(
    ['--data-dir', dataDir, '--http-host', '127.0.0.1', '--http-port', String(port), '--sip-host', '127.0.0.1',
      '--sip-port', String(sipPort), '--announced-ip', '127.0.0.1', '--tls', 'self-signed', '--rtp-port-min', '31000', '--rtp-port-max', '31099'],
    { CAMGATE_ADMIN_PASSWORD: 'tls-test-password' },
  );
  return { gateway: await Gateway.start(config, createLogger('silent')), port };
}

function getHealth(port: number, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/api/health', ca }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('TLS for the camera UI (browsers give the softphone a microphone only on https)', () => {
  let dataDir: string | undefined;
  let gateway: Gateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('serves https and SIP over secure WebSocket with a self-signed certificate for its address, kept across restarts', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'camgate-tls-'));
    let started = await startTls(dataDir);
    gateway = started.gateway;
    expect(gateway.info.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:/);
    const cert = await readFile(join(dataDir, 'tls', 'self-signed-cert.pem'), 'utf8');
    // Verified against the certificate itself: valid for 127.0.0.1 (subjectAltName).
    expect(await getHealth(started.port, cert)).toBe(200);

    const ws = new WebSocket(`wss://127.0.0.1:${started.port}/sip`, 'sip', { ca: cert });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const answer = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
    ws.send(
      [
        'OPTIONS sip:camera@127.0.0.1 SIP/2.0',
        'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKtls1',
        'Max-Forwards: 70',
        'From: <sip:probe@example.invalid>;tag=1',
        'To: <sip:camera@127.0.0.1>',
        'Call-ID: tls-options-1',
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    expect(await answer).toMatch(/^SIP\/2\.0 200/);
    ws.close();

    await gateway.close();
    started = await startTls(dataDir);
    gateway = started.gateway;
    expect(await readFile(join(dataDir, 'tls', 'self-signed-cert.pem'), 'utf8')).toBe(cert);
    expect(await getHealth(started.port, cert)).toBe(200);
  });

  it('refuses a certificate without its key at start-up, naming the flag', () => {
    expect(() => loadConfig(['--tls-cert', '/etc/ssl/cert.pem'], {})).toThrow(/--tls-cert/);
  });
});
