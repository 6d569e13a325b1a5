/**
 * Client auto-configuration checked against the formats' structure: Thunderbird's
 * config-v1.1.xml (as in the documented example of the ConfigFileFormat page: clientConfig >
 * emailProvider(id) > domain, displayName, displayShortName, incomingServer(type) and
 * outgoingServer(type) with hostname, port, socketType, authentication, username) and Outlook's
 * POX Autodiscover (Autodiscover > Response(2006a) > Account > AccountType, Action, Protocol*).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startWebEnv, type WebEnv } from './web-env.ts';
import { child, children, parseXml, type XmlNode } from './xml-tree.ts';

let env: WebEnv;
before(async () => {
  env = await startWebEnv({ config: { 'imap-port': 1143, 'imaps-port': 1993, 'pop3-port': 1110, 'pop3s-port': 1995, 'submission-port': 1587, 'submissions-port': 1465 } });
});
after(async () => env?.close());

async function get(path: string): Promise<{ status: number; type: string; xml: XmlNode; text: string }> {
  const res = await fetch(env.base + path);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', xml: parseXml(text), text };
}

function servers(xml: XmlNode): string[] {
  const provider = child(xml, 'emailProvider');
  return [...children(provider, 'incomingServer'), ...children(provider, 'outgoingServer')].map(
    (s) => `${s.name}:${s.attrs.type} ${child(s, 'hostname').text}:${child(s, 'port').text} ${child(s, 'socketType').text} ${child(s, 'authentication').text} ${child(s, 'username').text}`,
  );
}

test('Thunderbird autoconfig at both URLs: the documented structure, IMAP and POP3 and SMTP', async () => {
  for (const path of ['/.well-known/autoconfig/mail/config-v1.1.xml', '/mail/config-v1.1.xml']) {
    const r = await get(`${path}?emailaddress=alice%40example.org`);
    assert.equal(r.status, 200);
    assert.match(r.type, /^application\/xml/);
    assert.equal(r.xml.name, 'clientConfig');
    assert.equal(r.xml.attrs.version, '1.1');
    const provider = child(r.xml, 'emailProvider');
    assert.equal(provider.attrs.id, 'example.org');
    assert.equal(child(provider, 'domain').text, 'example.org');
    assert.ok(child(provider, 'displayName').text);
    assert.ok(child(provider, 'displayShortName').text);
    assert.deepEqual(servers(r.xml), [
      'incomingServer:imap localhost:1993 SSL password-cleartext %EMAILADDRESS%',
      'incomingServer:pop3 localhost:1995 SSL password-cleartext %EMAILADDRESS%',
      'outgoingServer:smtp localhost:1465 SSL password-cleartext %EMAILADDRESS%',
    ]);
  }
});

test("the account's settings decide (POP off, IMAP off); unknown addresses get the defaults, identical to a default account", async () => {
  await env.store.settings.set(env.bob.id, 'pop.enabled', 'off');
  const bob = await get('/mail/config-v1.1.xml?emailaddress=bob@example.org');
  assert.deepEqual(children(child(bob.xml, 'emailProvider'), 'incomingServer').map((s) => s.attrs.type), ['imap']);
  await env.store.settings.set(env.bob.id, 'imap.enabled', 'false');
  await env.store.settings.set(env.bob.id, 'pop.enabled', 'all');
  const bob2 = await get('/mail/config-v1.1.xml?emailaddress=bob@example.org');
  assert.deepEqual(children(child(bob2.xml, 'emailProvider'), 'incomingServer').map((s) => s.attrs.type), ['pop3']);
  const known = await get('/mail/config-v1.1.xml?emailaddress=alice@example.org');
  const unknown = await get('/mail/config-v1.1.xml?emailaddress=nobody@example.org');
  assert.equal(unknown.text, known.text, 'nothing tells an unknown address from a known one');
  const none = await get('/mail/config-v1.1.xml');
  assert.equal(none.status, 200);
  await env.store.settings.reset(env.bob.id, 'imap.enabled');
  await env.store.settings.reset(env.bob.id, 'pop.enabled');
});

const REQUEST = (email: string): string =>
  '<?xml version="1.0" encoding="utf-8"?>\r\n' +
  '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">\r\n' +
  `  <Request>\r\n    <EMailAddress>${email}</EMailAddress>\r\n` +
  '    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>\r\n' +
  '  </Request>\r\n</Autodiscover>\r\n';

async function autodiscover(email: string): Promise<{ text: string; protocols: Record<string, string>[] }> {
  const res = await fetch(`${env.base}/autodiscover/autodiscover.xml`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: REQUEST(email) });
  assert.equal(res.status, 200);
  const text = await res.text();
  const xml = parseXml(text);
  assert.equal(xml.name, 'Autodiscover');
  assert.equal(xml.attrs.xmlns, 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006');
  const response = child(xml, 'Response');
  assert.equal(response.attrs.xmlns, 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a');
  const account = child(response, 'Account');
  assert.equal(child(account, 'AccountType').text, 'email');
  assert.equal(child(account, 'Action').text, 'settings');
  const protocols = children(account, 'Protocol').map((p) => Object.fromEntries(p.children.map((k) => [k.name, k.text])));
  return { text, protocols };
}

test('Outlook Autodiscover (POX): IMAP, POP3 and SMTP Protocol entries; POP off hides POP3; unknown = defaults', async () => {
  const alice = await autodiscover('alice@example.org');
  assert.deepEqual(alice.protocols.map((p) => p.Type), ['IMAP', 'POP3', 'SMTP']);
  const imap = alice.protocols[0]!;
  assert.equal(imap.Server, 'localhost');
  assert.equal(imap.Port, '1993');
  assert.equal(imap.SSL, 'on');
  assert.equal(imap.Encryption, 'SSL');
  assert.equal(imap.LoginName, 'alice@example.org');
  assert.equal(imap.SPA, 'off');
  assert.equal(imap.AuthRequired, 'on');
  await env.store.settings.set(env.bob.id, 'pop.enabled', 'off');
  assert.deepEqual((await autodiscover('bob@example.org')).protocols.map((p) => p.Type), ['IMAP', 'SMTP']);
  await env.store.settings.reset(env.bob.id, 'pop.enabled');
  const unknown = await autodiscover('nobody@example.org');
  assert.equal(unknown.text, alice.text.replaceAll('alice@example.org', 'nobody@example.org'));
});
