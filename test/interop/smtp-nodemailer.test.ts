/**
 * nodemailer (npm) submits through 587 with STARTTLS required and the certificate verified,
 * AUTH PLAIN; the raw message arrives byte-exact in bob's INBOX and in alice's Sent.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { ALICE, BOB, PASSWORD } from '../helpers/smtp-env.ts';
import { assertArrived, interopMessage, startSmtpInteropServer, type SmtpInteropServer } from '../helpers/smtp-interop.ts';

let server: SmtpInteropServer;
before(async () => {
  server = await startSmtpInteropServer();
});
after(async () => server?.close());

for (const method of ['PLAIN', 'LOGIN'] as const) {
  test(`nodemailer: STARTTLS + AUTH ${method}, raw message byte-exact`, async (t) => {
    const { version } = (await import('nodemailer/package.json', { with: { type: 'json' } })).default as { version: string };
    t.diagnostic(`using nodemailer ${version}`);
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: server.ports.submission!,
      secure: false,
      requireTLS: true,
      tls: { ca: [server.certPem] },
      auth: { user: ALICE, pass: PASSWORD, method },
    });
    const raw = interopMessage(`nodemailer-${method}`);
    const info = await transport.sendMail({ envelope: { from: ALICE, to: [BOB] }, raw });
    transport.close();
    assert.deepEqual(info.accepted, [BOB]);
    assert.match(info.response, /^250 2\.6\.0 \S+ message accepted$/);
    await assertArrived(server, raw);
  });
}
