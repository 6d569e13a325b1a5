/** The built app, its fallback for app routes, security headers, compression, /health. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { APP_CSP } from '../../src/http/security-headers.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { startWebEnv, type WebEnv } from './web-env.ts';

const dist = tempDir('pk-web-dist-');
let env: WebEnv;
const JS = `console.log(${JSON.stringify('x'.repeat(5000))});\n`;

before(async () => {
  mkdirSync(join(dist.path, 'assets'), { recursive: true });
  writeFileSync(join(dist.path, 'index.html'), '<!doctype html><title>postkontor</title><div id="root"></div>');
  writeFileSync(join(dist.path, 'assets', 'index-abc123.js'), JS);
  env = await startWebEnv({ http: { webRoot: dist.path } });
});
after(async () => {
  await env?.close();
  dist.remove();
});

test('security headers on everything: the CSP of the contract, nosniff, no referrer, no framing', async () => {
  assert.equal(APP_CSP, "default-src 'self'; img-src 'self' data: blob: https: http:; style-src 'self' 'unsafe-inline'; frame-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  for (const path of ['/', '/mail/INBOX', '/api/session', '/health', '/assets/index-abc123.js']) {
    const r = await fetch(env.base + path);
    assert.equal(r.headers.get('content-security-policy'), APP_CSP, path);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
  }
});

test('index.html for app routes, files as they are (gzipped when asked), 404 for missing files', async () => {
  for (const path of ['/', '/mail/INBOX/42', '/settings']) {
    const r = await fetch(env.base + path);
    assert.equal(r.status, 200, path);
    assert.match(r.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await r.text(), /<div id="root">/);
  }
  const js = await fetch(`${env.base}/assets/index-abc123.js`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(js.status, 200);
  assert.equal(js.headers.get('content-encoding'), 'gzip');
  assert.match(js.headers.get('cache-control') ?? '', /immutable/);
  assert.equal(await js.text(), JS, 'fetch decodes gzip');
  assert.equal((await fetch(`${env.base}/assets/missing.js`)).status, 404);
  const traversal = await fetch(`${env.base}/assets/..%2f..%2fpackage.json`);
  assert.notEqual(traversal.status, 200);
});

test('GET /health answers ok while the store answers', async () => {
  const r = await fetch(`${env.base}/health`);
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { status: 'ok' });
});
