/**
 * One postkontor "mail node" for end-to-end tests: a data dir prepared with the real CLI (domain,
 * user, DKIM key), a TOML config file, and `postkontor serve` as a child process on loopback ports
 * (SMTP, submission, IMAP; the rest off), which can be stopped with SIGTERM and started again on
 * the same data dir and ports.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { runCli } from '../cli/run-cli.ts';
import { ServeProcess } from './serve-process.ts';

export interface NodePorts {
  readonly smtp: number;
  readonly submission: number;
  readonly imap: number;
}

export interface MailNodeSpec {
  /** The node's mail domain (`a.test`). */
  readonly domain: string;
  /** Its one user (`alice@a.test`). */
  readonly user: string;
  readonly password: string;
  /** Directory holding `data/` and `postkontor.toml`. */
  readonly dir: string;
  readonly ports: NodePorts;
}

/** A DKIM record as `postkontor domain dkim` printed it. */
export interface PrintedDkim {
  readonly name: string;
  readonly value: string;
}

async function cli(args: string[]): Promise<string> {
  const r = await runCli(args);
  assert.equal(r.code, 0, `postkontor ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

export class MailNode extends ServeProcess {
  constructor(readonly spec: MailNodeSpec) {
    // SMTP, submission and IMAP; every other listener off.
    super(`postkontor serve (${spec.domain})`, join(spec.dir, 'data'), join(spec.dir, 'postkontor.toml'), spec.ports);
  }

  /** `postkontor ARGS --data <this node's data dir>`; asserts exit 0, returns stdout. */
  cli(args: string[]): Promise<string> {
    return cli([...args, '--data', this.dataDir]);
  }

  /** Domain, user and DKIM key through the CLI; returns the TXT record the CLI told us to publish. */
  async provision(): Promise<PrintedDkim> {
    await this.cli(['domain', 'add', this.spec.domain]);
    await this.cli(['user', 'add', this.spec.user, '--password', this.spec.password]);
    const out = await this.cli(['domain', 'dkim', this.spec.domain]);
    const m = /^(\S+\._domainkey\.\S+) TXT "([^"]+)"$/m.exec(out);
    assert.ok(m, `no DKIM record in:\n${out}`);
    return { name: m[1]!.toLowerCase(), value: m[2]! };
  }

  async writeConfig(toml: string): Promise<void> {
    await writeFile(this.configPath, toml);
  }

  /** SIGTERM and wait for a clean exit. */
  override async stop(): Promise<number | null | undefined> {
    const code = await super.stop();
    if (code !== undefined) assert.equal(code, 0, `${this.label} exited ${code}:\n${this.log}`);
    return code;
  }

  /** Submits through this node's submission port with AUTH (plaintext is allowed on loopback). */
  async submit(message: { to: string; subject: string; text: string; messageId: string }): Promise<string> {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: this.spec.ports.submission,
      secure: false,
      ignoreTLS: true,
      auth: { user: this.spec.user, pass: this.spec.password },
    });
    try {
      const info = await transport.sendMail({ from: this.spec.user, ...message });
      assert.deepEqual(info.accepted, [message.to]);
      return info.response;
    } finally {
      transport.close();
    }
  }

  /** An IMAP client logged in as this node's user (plain on loopback, no STARTTLS). */
  async imap(): Promise<ImapFlow> {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: this.spec.ports.imap,
      secure: false,
      doSTARTTLS: false,
      logger: false,
      auth: { user: this.spec.user, pass: this.spec.password },
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }
}

/**
 * Polls `client`'s INBOX until a message whose raw source satisfies `match` is there; returns its
 * source. Fails after `timeoutMs` naming what the mailbox held.
 */
export async function waitForMessage(
  client: ImapFlow,
  match: (source: string) => boolean,
  timeoutMs: number,
  what: string,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const lock = await client.getMailboxLock('INBOX');
  try {
    let seen: string[] = [];
    for (;;) {
      await client.noop();
      const exists = client.mailbox === false ? 0 : client.mailbox.exists;
      if (exists > 0) {
        seen = [];
        for await (const m of client.fetch('1:*', { source: true })) {
          const source = m.source?.toString('utf8') ?? '';
          if (match(source)) return source;
          seen.push(/^Subject: .*$/im.exec(source)?.[0] ?? '(no subject)');
        }
      }
      if (Date.now() > deadline) {
        assert.fail(`${what}: not in INBOX after ${timeoutMs} ms; INBOX has ${seen.length}: ${seen.join(' | ')}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  } finally {
    lock.release();
  }
}
