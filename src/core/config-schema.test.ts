import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'smol-toml';
import { DEFAULT_PORTS, resolveConfig, validateConfigFile } from './config-schema.ts';

const load = (toml: string) => validateConfigFile(parse(toml), 'pk.toml');

test('defaults: development ports, loopback, tls-or-loopback', () => {
  const c = resolveConfig('/d', {}, {}, 'host.example');
  assert.deepEqual(c.ports, DEFAULT_PORTS);
  assert.deepEqual(
    [c.ports.imap, c.ports.imaps, c.ports.pop3, c.ports.pop3s, c.ports.smtp, c.ports.submission, c.ports.submissions, c.ports.http],
    [1143, 1993, 1110, 1995, 2525, 1587, 1465, 8080],
  );
  assert.equal(c.bind, '127.0.0.1');
  assert.equal(c.hostname, 'host.example');
  assert.equal(c.auth.plaintext, 'tls-or-loopback');
  assert.deepEqual(c.tls, {});
});

test('file over defaults, flags over the file', () => {
  const file = load(`
hostname = "mail.example.org"
bind = "0.0.0.0"
imap-port = 143
smtp-port = 0
[tls]
cert = "/etc/pk/cert.pem"
key = "/etc/pk/key.pem"
[auth]
plaintext = "tls-only"
`);
  const c = resolveConfig('/d', file, { ports: { imap: 10143 }, bind: '::1' }, 'ignored');
  assert.equal(c.hostname, 'mail.example.org');
  assert.equal(c.bind, '::1');
  assert.equal(c.ports.imap, 10143);
  assert.equal(c.ports.smtp, 0);
  assert.equal(c.ports.pop3, 1110);
  assert.deepEqual(c.tls, { cert: '/etc/pk/cert.pem', key: '/etc/pk/key.pem' });
  assert.equal(c.auth.plaintext, 'tls-only');
});

test('bad files: one line naming the key', () => {
  assert.throws(() => load('imap_port = 1'), { message: 'pk.toml: unknown key "imap_port"' });
  assert.throws(() => load('[tls]\ncertificate = "x"'), { message: 'pk.toml: unknown key "tls.certificate"' });
  assert.throws(() => load('[auth]\nplaintext = "never"'), {
    message: 'pk.toml: auth.plaintext: expected one of "tls-or-loopback", "tls-only", "always"',
  });
  assert.throws(() => load('pop3-port = 70000'), {
    message: 'pk.toml: pop3-port: expected a port number from 0 to 65535 (0 disables the listener)',
  });
  assert.throws(() => resolveConfig('/d', load('[tls]\ncert = "c.pem"'), {}, 'h'), /set both "tls.cert" and "tls.key"/);
});

test('SMTP and outbound sections: defaults, values, bad routes', () => {
  const d = resolveConfig('/d', load(''), {}, 'h');
  assert.deepEqual(d.smtp, { maxRecipients: 100, sendRatePerHour: 500, processes: 0 });
  assert.deepEqual(d.outbound, { transport: {} });
  const c = resolveConfig(
    '/d',
    load(`[smtp]
max-recipients = 20
send-rate = 50
processes = 2
[outbound]
relay = "smtp.example.net:587"
relay-user = "me"
relay-password = "secret"
dns-servers = ["127.0.0.1"]
first-retry = 30
[outbound.transport]
"B.Test" = "127.0.0.1:2526"
"v6.test" = "[::1]:25"
`),
    {},
    'h',
  );
  assert.deepEqual(c.smtp, { maxRecipients: 20, sendRatePerHour: 50, processes: 2 });
  assert.deepEqual(c.outbound, {
    relay: 'smtp.example.net:587',
    relayUser: 'me',
    relayPassword: 'secret',
    transport: { 'b.test': '127.0.0.1:2526', 'v6.test': '[::1]:25' },
    dnsServers: ['127.0.0.1'],
    firstRetrySeconds: 30,
  });
  assert.throws(() => load('[outbound]\nrelay = "no-port"'), {
    message: 'pk.toml: outbound.relay: expected "host:port", e.g. "smtp.example.net:587"',
  });
  assert.throws(() => load('[smtp]\nmax-recipients = 0'), /pk\.toml: smtp\.max-recipients: /);
  assert.throws(() => load('[smtp]\nprocesses = -1'), /pk\.toml: smtp\.processes: /);
  assert.throws(() => load('[smtp]\nprocesses = 1.5'), /pk\.toml: smtp\.processes: /);
});

test('[proxy]: off by default; trusted ranges turn it on for every listener or the ones named', () => {
  const off = resolveConfig('/d', load(''), {}, 'h');
  assert.deepEqual(off.proxy, { trusted: [], listeners: [] });
  const all = resolveConfig('/d', load('[proxy]\ntrusted = ["10.0.0.0/8", "127.0.0.1", "fd00::/8", "::1"]'), {}, 'h');
  assert.deepEqual(all.proxy, {
    trusted: ['10.0.0.0/8', '127.0.0.1', 'fd00::/8', '::1'],
    listeners: ['imap', 'imaps', 'pop3', 'pop3s', 'smtp', 'submission', 'submissions', 'http'],
  });
  const some = resolveConfig('/d', load('[proxy]\ntrusted = ["192.0.2.1"]\nlisteners = ["imaps", "smtp"]'), {}, 'h');
  assert.deepEqual(some.proxy, { trusted: ['192.0.2.1'], listeners: ['imaps', 'smtp'] });
  assert.throws(() => load('[proxy]\ntrusted = ["10.0.0.0/33"]'), {
    message: 'pk.toml: proxy.trusted.0: expected an address or CIDR range, e.g. "10.0.0.0/8" or "::1"',
  });
  assert.throws(() => load('[proxy]\ntrusted = ["lb.example"]'), /pk\.toml: proxy\.trusted\.0: expected an address or CIDR range/);
  assert.throws(() => load('[proxy]\nlisteners = ["imap4"]'), /pk\.toml: proxy\.listeners\.0: expected one of "imap", /);
  assert.throws(() => load('[proxy]\ntrust = ["10.0.0.1"]'), { message: 'pk.toml: unknown key "proxy.trust"' });
  assert.throws(() => resolveConfig('/d', load('[proxy]\nlisteners = ["imap"]'), {}, 'h'), {
    message: `proxy: "proxy.listeners" needs "proxy.trusted" (the balancers' addresses)`,
  });
});
