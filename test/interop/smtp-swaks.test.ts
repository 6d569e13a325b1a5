/**
 * swaks (Debian package) submits through 587: STARTTLS with --tls-verify against our
 * certificate, AUTH PLAIN and AUTH LOGIN, the message from stdin; byte-exact in INBOX and Sent.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeRun, requireTool, run, toolVersion } from '../helpers/interop-env.ts';
import { ALICE, BOB, PASSWORD } from '../helpers/smtp-env.ts';
import { assertArrived, interopMessage, startSmtpInteropServer, type SmtpInteropServer } from '../helpers/smtp-interop.ts';

let server: SmtpInteropServer;
before(async () => {
  server = await startSmtpInteropServer();
});
after(async () => server?.close());

for (const method of ['PLAIN', 'LOGIN']) {
  test(`swaks: STARTTLS (verified) + AUTH ${method}, byte-exact`, async (t) => {
    if (!requireTool(t, toolVersion('swaks', ['--version']), 'swaks is not installed (apt-get install -y swaks)')) return;
    const raw = interopMessage(`swaks-${method}`);
    const r = await run(
      'swaks',
      [
        '--server', '127.0.0.1', '--port', String(server.ports.submission), '--helo', 'swaks.test',
        '--tls', '--tls-verify', '--tls-ca-path', server.certFile,
        '--auth', method, '--auth-user', ALICE, '--auth-password', PASSWORD,
        '--from', ALICE, '--to', BOB, '--data', '-',
      ],
      // swaks always ends DATA with "\r\n.\r\n" after what it read, so it is given the
      // message without its final line break (otherwise an empty line would be added).
      { input: raw.subarray(0, raw.length - 2) },
    );
    assert.equal(r.code, 0, describeRun('swaks', r));
    assert.match(r.stdout.toString(), /<~ {2}250 2\.6\.0 \S+ message accepted/);
    await assertArrived(server, raw);
  });
}
