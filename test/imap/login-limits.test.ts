/**
 * Failed logins: a connection is slowed and closed after three failures, and failures from one
 * address across connections lock that address out for a while, even with the right password
 * (issue 3: "persisting across connections").
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { hashPassword } from '../../src/auth/password.ts';
import { startImapTestServer } from '../helpers/imap-server.ts';

let server: Awaited<ReturnType<typeof startImapTestServer>>;

before(async () => {
  server = await startImapTestServer();
  await server.store.domains.add('example.org');
  await server.store.accounts.create({ address: 'lim@example.org', passwordHash: await hashPassword('right-pw') });
});
after(() => server.close());

/** Runs one connection: sends the lines one at a time (waiting for each tagged answer), returns the whole output. */
function session(lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    let out = '';
    let i = 0;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      out += d;
      const tag = i === 0 ? null : `t${i - 1} `;
      if ((i === 0 && out.includes('postkontor ready\r\n')) || (tag && new RegExp(`\\r\\n${tag}(OK|NO|BAD)[^\\r]*\\r\\n$`).test(out))) {
        if (i < lines.length) socket.write(`t${i} ${lines[i]}\r\n`);
        i++;
      }
    });
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
    setTimeout(() => reject(new Error(`timeout; got:\n${out}`)), 15_000).unref();
  });
}

test('three failures close the connection; ten from one address lock it out', async () => {
  // Many connections at once with the right password are never refused (Thunderbird opens five).
  const good = await Promise.all(Array.from({ length: 20 }, () => session(['LOGIN lim@example.org right-pw', 'LOGOUT'])));
  for (const out of good) assert.match(out, /t0 OK \[CAPABILITY /);
  // LOGOUT last: a connection locked out before its third failure is not closed by the server.
  const bad = ['LOGIN lim@example.org wrong1', 'LOGIN lim@example.org wrong2', 'LOGIN lim@example.org wrong3', 'LOGOUT'];
  const first = await session(bad);
  assert.equal(first.match(/NO \[AUTHENTICATIONFAILED\] Invalid credentials/g)?.length, 3);
  assert.match(first, /\* BYE Too many failed logins\r\n/);
  assert.doesNotMatch(first, /t3 /, 'the connection closed before a fourth command');
  // Three more connections from the same address at once: 12 failures in all (attempts already
  // in flight when the limit is reached still finish).
  await Promise.all([session(bad), session(bad), session(bad)]);
  const locked = await session(['LOGIN lim@example.org right-pw', 'LOGOUT']);
  assert.match(locked, /t0 NO \[UNAVAILABLE\] Too many failed logins; try again in \d+ minutes?\r\n/);
  assert.match(locked, /t1 OK LOGOUT completed/);
});
