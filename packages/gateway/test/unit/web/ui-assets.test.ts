import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityHeaders, uiAssets } from '../../../src/web/ui-assets.ts';
import { serve } from './http-app.ts';

describe('the UI files: hardened page, embeddable camgate.js', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camgate-ui-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>camera</title>');
    writeFileSync(join(dir, 'camgate.js'), 'export {};');
    const app = express();
    app.use(securityHeaders);
    app.use(uiAssets(dir));
    server = await serve(app);
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page with a CSP that forbids inline script and framing, nosniff and no referrer', async () => {
    const response = await fetch(`${server.baseUrl}/`);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    // The page itself is not for other origins.
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets any page load camgate.js as a module script, without credentials', async () => {
    const response = await fetch(`${server.baseUrl}/camgate.js`, { headers: { origin: 'https://shop.example' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  });
});
