/**
 * msmtp (Debian package) submits through 587 (STARTTLS, trust file = our certificate, AUTH
 * PLAIN) and through 465 (implicit TLS); the message from stdin arrives byte-exact in INBOX and Sent.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { describeRun, requireTool, run, toolVersion } from '../helpers/interop-env.ts';
import { ALICE, BOB, PASSWORD } from '../helpers/smtp-env.ts';
import { assertArrived, interopMessage, startSmtpInteropServer, type SmtpInteropServer } from '../helpers/smtp-interop.ts';

let server: SmtpInteropServer;
before(async () => {
  server = await startSmtpInteropServer();
});
after(async () => server?.close());

for (const mode of ['starttls', 'implicit'] as const) {
  test(`msmtp: ${mode === 'starttls' ? 'STARTTLS on 587' : 'implicit TLS on 465'}, AUTH PLAIN, byte-exact`, async (t) => {
    if (!requireTool(t, toolVersion('msmtp'), 'msmtp is not installed (apt-get install -y msmtp)')) return;
    const port = mode === 'starttls' ? server.ports.submission! : server.ports.submissions!;
    const config = join(server.dir, `msmtprc-${mode}`);
    writeFileSync(
      config,
      [
        'account default',
        'host 127.0.0.1',
        `port ${port}`,
        'domain msmtp.test',
        'tls on',
        `tls_starttls ${mode === 'starttls' ? 'on' : 'off'}`,
        `tls_trust_file ${server.certFile}`,
        'auth plain',
        `user ${ALICE}`,
        `password ${PASSWORD}`,
        `from ${ALICE}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const raw = interopMessage(`msmtp-${mode}`);
    const r = await run('msmtp', ['-C', config, BOB], { input: raw, env: { ...process.env, HOME: server.dir } });
    assert.equal(r.code, 0, describeRun('msmtp', r));
    await assertArrived(server, raw);
  });
}
