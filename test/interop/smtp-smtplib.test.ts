/**
 * Python's smtplib submits through 587: STARTTLS verifying the certificate, AUTH (smtplib picks
 * PLAIN), send_message of raw bytes; the message arrives byte-exact in bob's INBOX and alice's Sent.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeRun, requireTool, run, toolVersion } from '../helpers/interop-env.ts';
import { ALICE, BOB, PASSWORD } from '../helpers/smtp-env.ts';
import { assertArrived, interopMessage, startSmtpInteropServer, type SmtpInteropServer } from '../helpers/smtp-interop.ts';

const SCRIPT = `
import smtplib, ssl, sys
port, cafile, user, password, rcpt = sys.argv[1:6]
raw = sys.stdin.buffer.read()
ctx = ssl.create_default_context(cafile=cafile)
with smtplib.SMTP('127.0.0.1', int(port), local_hostname='python.test', timeout=20) as s:
    s.starttls(context=ctx)
    s.login(user, password)
    refused = s.sendmail(user, [rcpt], raw)
    print('refused', refused)
    print('last', s.noop())
`;

let server: SmtpInteropServer;
before(async () => {
  server = await startSmtpInteropServer();
});
after(async () => server?.close());

test('Python smtplib: STARTTLS (verified) + AUTH, raw bytes byte-exact', async (t) => {
  if (!requireTool(t, toolVersion('python3'), 'python3 is not installed (apt-get install -y python3)')) return;
  const raw = interopMessage('smtplib');
  const r = await run('python3', ['-c', SCRIPT, String(server.ports.submission), server.certFile, ALICE, PASSWORD, BOB], { input: raw });
  assert.equal(r.code, 0, describeRun('python3 smtplib', r));
  assert.match(r.stdout.toString(), /^refused \{\}$/m);
  await assertArrived(server, raw);
});
