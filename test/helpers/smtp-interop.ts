/**
 * Shared by the SMTP interop tests (test/interop/smtp-*.test.ts): a submission server with the
 * certificate written where tools can read it, the message each tool sends, and the check that
 * it arrived byte-exact (plus our trace header) in bob's INBOX and as submitted in alice's Sent.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALICE, BOB, startSmtpTestServer, stripTrace, type SmtpTestServer } from './smtp-env.ts';
import { tempDir } from './temp-dir.ts';

export interface SmtpInteropServer extends SmtpTestServer {
  /** The server certificate as a PEM file: what the tool verifies STARTTLS against. */
  readonly certFile: string;
  readonly dir: string;
}

export async function startSmtpInteropServer(): Promise<SmtpInteropServer> {
  const server = await startSmtpTestServer();
  const dir = tempDir('pk-smtp-interop-');
  const certFile = join(dir.path, 'cert.pem');
  writeFileSync(certFile, server.certPem);
  const close = async (): Promise<void> => {
    await server.close();
    dir.remove();
  };
  return { ...server, certFile, dir: dir.path, close };
}

/** A message with the usual traps: 8-bit text, a line starting with a dot, an empty line. */
export function interopMessage(tool: string): Buffer {
  return Buffer.from(
    'From: Alice <alice@example.org>\r\n' +
      'To: Bob <bob@example.org>\r\n' +
      `Subject: interop ${tool}\r\n` +
      'Date: Sun, 8 Nov 2026 09:00:00 +0000\r\n' +
      `Message-ID: <interop-${tool}@example.org>\r\n` +
      'MIME-Version: 1.0\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      'Content-Transfer-Encoding: 8bit\r\n' +
      '\r\n' +
      `Grüße from ${tool}.\r\n` +
      '.a line that starts with a dot\r\n' +
      '\r\n' +
      'last line\r\n',
    'utf8',
  );
}

/** The message is the newest in bob's INBOX (trace headers + exact bytes) and alice's Sent (exact, \Seen). */
export async function assertArrived(server: SmtpTestServer, sent: Buffer): Promise<void> {
  const inbox = await server.messages(BOB, 'INBOX');
  assert.ok(inbox.length > 0, 'nothing in INBOX');
  const { trace, rest } = stripTrace(inbox.at(-1)!);
  assert.equal(rest.toString('utf8'), sent.toString('utf8'));
  assert.ok(rest.equals(sent), 'byte-exact');
  assert.match(trace, /^Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby localhost \(postkontor\) with ESMTPSA id \S+\r\n\t\(version=TLSv1\.[23] cipher=\S+\)\r\n\tfor <bob@example\.org>; /);
  const sentBox = await server.messages(ALICE, 'Sent');
  assert.ok(sentBox.at(-1)?.equals(sent), 'the Sent copy is the message as submitted');
  assert.deepEqual((await server.flags(ALICE, 'Sent')).at(-1), ['\\Seen']);
}
