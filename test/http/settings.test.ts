/** Settings, client setup, connected clients and the Apple profile (docs/web-api.md "Settings and clients"). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SETTING_KEYS } from '../../src/core/settings-schema.ts';
import { LineClient } from '../helpers/interop-lines.ts';
import { body, PASSWORD, startWebEnv, WebClient, type WebEnv } from './web-env.ts';
import { child, parseXml } from './xml-tree.ts';

let env: WebEnv;
let bob: WebClient;
before(async () => {
  env = await startWebEnv();
  bob = await WebClient.signedIn(env.base, 'bob@example.org');
});
after(async () => env?.close());

test('GET settings: values with defaults and the schema; PUT validates with the schema message', async () => {
  const r = await bob.get('/api/settings');
  assert.equal(r.status, 200);
  const s = body<{ values: Record<string, unknown>; schema: { key: string; kind: string; values?: unknown[]; default: unknown; description: string }[] }>(r);
  assert.deepEqual(s.schema.map((x) => x.key), SETTING_KEYS);
  assert.equal(s.values['pop.enabled'], 'all');
  assert.deepEqual(s.schema.find((x) => x.key === 'pop.enabled')?.values, ['all', 'from-now-on', 'off']);

  const put = await bob.put('/api/settings/pop.enabled', { value: 'off' });
  assert.equal(put.status, 200);
  assert.equal(body(put).value, 'off');
  assert.equal((await env.store.settings.get(env.bob.id)).values['pop.enabled'], 'off');
  const bool = await bob.put('/api/settings/imap.auto-expunge', { value: true });
  assert.equal(body(bool).value, true);
  const num = await bob.put('/api/settings/imap.folder-limit', { value: 1000 });
  assert.equal(body(num).value, 1000);

  const bad = await bob.put('/api/settings/pop.enabled', { value: 'sometimes' });
  assert.equal(bad.status, 400);
  assert.equal(body(bad).error, 'invalid');
  assert.match(String(body(bad).message), /allowed: all \| from-now-on \| off/);
  assert.equal((await bob.put('/api/settings/no.such', { value: 'x' })).status, 404);
  assert.equal((await bob.put('/api/settings/pop.enabled', {})).status, 400);
  await bob.put('/api/settings/pop.enabled', { value: 'all' });
});

test('client setup: hosts, ports and TLS modes from the config, and what the account allows', async () => {
  // The configured ports (the development defaults here), not the test listeners' ephemeral ones.
  await env.store.settings.set(env.bob.id, 'imap.enabled', 'false');
  try {
    const r = body<Record<string, unknown>>(await bob.get('/api/client-setup'));
    assert.equal(r.address, 'bob@example.org');
    assert.deepEqual(r.imaps, { host: 'localhost', port: 1993, tls: 'implicit' });
    assert.deepEqual(r.imap, { host: 'localhost', port: 1143, tls: 'starttls' });
    assert.deepEqual(r.submission, { host: 'localhost', port: 1587, tls: 'starttls' });
    assert.deepEqual(r.pop3s, { host: 'localhost', port: 1995, tls: 'implicit' });
    assert.deepEqual(r.enabled, { imap: false, pop3: true });
  } finally {
    await env.store.settings.reset(env.bob.id, 'imap.enabled');
  }
});

test('connected clients: this account only, with the IMAP ID name, address and activity; POP downloads', async () => {
  const c = await LineClient.open('b', env.port);
  await c.next();
  await c.command('ID ("name" "Thunderbird" "version" "128.5")');
  await c.command(`LOGIN bob@example.org ${PASSWORD}`);
  const other = await LineClient.open('a', env.port);
  await other.next();
  await other.command(`LOGIN alice@example.org ${PASSWORD}`);
  await c.command('NOOP');
  try {
    const r = body<{ sessions: { protocol: string; client: string | null; remoteAddress: string; since: number; lastActivity: number }[]; popDownloads: unknown[] }>(await bob.get('/api/clients'));
    assert.equal(r.sessions.length, 1);
    const s = r.sessions[0]!;
    assert.equal(s.protocol, 'imap');
    assert.equal(s.client, 'Thunderbird 128.5');
    assert.equal(s.remoteAddress, '127.0.0.1');
    assert.ok(s.lastActivity >= s.since);
    assert.deepEqual(r.popDownloads, []);
  } finally {
    c.close();
    other.close();
  }
});

test('mobileconfig: an Apple profile with an IMAP (or POP3) account and SMTP, no password', async () => {
  const r = await bob.get('/api/mobileconfig');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/x-apple-aspen-config');
  assert.match(r.headers.get('content-disposition') ?? '', /^attachment; filename="bob@example\.org\.mobileconfig"/);
  const plist = parseXml(r.text);
  assert.equal(plist.name, 'plist');
  const dict = child(plist, 'dict');
  const keys = dict.children.filter((k) => k.name === 'key').map((k) => k.text);
  for (const k of ['PayloadContent', 'PayloadIdentifier', 'PayloadType', 'PayloadUUID', 'PayloadVersion']) assert.ok(keys.includes(k), k);
  assert.match(r.text, /<key>PayloadType<\/key>\s*<string>Configuration<\/string>/);
  assert.match(r.text, /<key>PayloadType<\/key>\s*<string>com\.apple\.mail\.managed<\/string>/);
  assert.match(r.text, /<key>EmailAccountType<\/key>\s*<string>EmailTypeIMAP<\/string>/);
  assert.match(r.text, /<key>IncomingMailServerPortNumber<\/key>\s*<integer>1993<\/integer>/);
  assert.match(r.text, /<key>OutgoingMailServerPortNumber<\/key>\s*<integer>1465<\/integer>/);
  assert.match(r.text, /<key>PayloadUUID<\/key>\s*<string>[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}<\/string>/);
  assert.doesNotMatch(r.text, /Password<\/key>\s*<string>/, 'no password in the profile');
  const pop = await bob.get('/api/mobileconfig?protocol=pop3');
  assert.match(pop.text, /EmailTypePOP/);
  await env.store.settings.set(env.bob.id, 'pop.enabled', 'off');
  const off = await bob.get('/api/mobileconfig?protocol=pop3');
  assert.equal(off.status, 409);
  await env.store.settings.reset(env.bob.id, 'pop.enabled');
});
