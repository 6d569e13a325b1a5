/**
 * COMPRESS=DEFLATE (RFC 4978): after the tagged OK both directions are raw deflate; commands the
 * client pipelined right behind COMPRESS are already compressed; a second COMPRESS is refused.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';
import { hashPassword } from '../../src/auth/password.ts';
import { startImapTestServer } from '../helpers/imap-server.ts';

let server: Awaited<ReturnType<typeof startImapTestServer>>;

before(async () => {
  server = await startImapTestServer();
  await server.store.domains.add('example.org');
  await server.store.accounts.create({ address: 'a@example.org', passwordHash: await hashPassword('pw-compress') });
});
after(() => server.close());

function until(read: () => string, re: RegExp, socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${read()}`)), 5000);
    const check = (): void => {
      if (re.test(read())) {
        clearTimeout(timer);
        resolve();
      } else setTimeout(check, 2);
    };
    socket.once('close', () => re.test(read()) || reject(new Error(`closed before ${re}:\n${read()}`)));
    check();
  });
}

test('COMPRESS=DEFLATE compresses both directions, including pipelined commands', async () => {
  const socket = connect(server.port, '127.0.0.1');
  let plain = '';
  let inflated = '';
  const inflate = zlib.createInflateRaw();
  const deflate = zlib.createDeflateRaw();
  inflate.on('data', (d: Buffer) => (inflated += d.toString('latin1')));
  let compressed = false;
  const raw: Buffer[] = [];
  socket.on('data', (d: Buffer) => {
    if (compressed) inflate.write(d);
    else {
      raw.push(d);
      plain += d.toString('latin1');
    }
  });
  await until(() => plain, /postkontor ready\r\n/, socket);
  assert.match(plain, /^\* OK \[CAPABILITY [^\]]*\] postkontor ready/);
  socket.write('a LOGIN a@example.org pw-compress\r\n');
  await until(() => plain, /a OK /, socket);
  assert.match(plain, /COMPRESS=DEFLATE/);
  // COMPRESS and, in the same write, the first compressed bytes.
  compressed = true;
  deflate.write('b SELECT INBOX\r\nc COMPRESS DEFLATE\r\nd LOGOUT\r\n');
  const first = await new Promise<Buffer>((resolve) => deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve(deflate.read() as Buffer)));
  socket.write(Buffer.concat([Buffer.from('z COMPRESS DEFLATE\r\n'), first]));
  // The tagged OK of COMPRESS comes uncompressed; everything after it compressed.
  compressed = false;
  await until(() => plain, /z OK DEFLATE active\r\n/, socket);
  const rest = Buffer.concat(raw).subarray(Buffer.concat(raw).indexOf('z OK DEFLATE active\r\n') + 'z OK DEFLATE active\r\n'.length);
  compressed = true;
  if (rest.length) inflate.write(rest);
  // The server closes after LOGOUT; inflating is asynchronous, so read to the inflater's end.
  await new Promise<void>((resolve) => {
    inflate.once('end', resolve);
    socket.once('close', () => inflate.end());
    inflate.resume();
  });
  assert.match(inflated, /d OK LOGOUT completed\r\n$/);
  assert.match(inflated, /b OK \[READ-WRITE\] SELECT completed\r\n/);
  assert.match(inflated, /c NO \[COMPRESSIONACTIVE\] /);
  assert.match(inflated, /\* BYE postkontor logging out\r\n/);
  socket.destroy();
});
