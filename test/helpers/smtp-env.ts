/**
 * A postkontor test server with the SMTP listeners (smtp, submission, submissions) beside IMAP
 * on one store: domain example.org with alice and bob, an in-memory DNS for mailauth, a small
 * SIZE so the DATA-time limit is cheap to test, and optionally a recording Outbound fake.
 */
import { hashPassword } from '../../src/auth/password.ts';
import type { Outbound, OutboundMessage } from '../../src/delivery/outbound-port.ts';
import type { DnsLookup } from '../../src/protocols/smtp/dns-resolver.ts';
import { createSmtpProtocol } from '../../src/protocols/smtp/index.ts';
import type { ConfigFile } from '../../src/core/config-schema.ts';
import type { Account } from '../../src/store/types.ts';
import { startImapTestServer, type ImapTestServer } from './imap-server.ts';

export const ALICE = 'alice@example.org';
export const BOB = 'bob@example.org';
export const PASSWORD = 'smtp-test-pw-91c2';
/** SIZE of the test listeners. */
export const TEST_MAX_BYTES = 200_000;

/** Test double: an Outbound that records what it was handed and never sends anything. */
export class RecordingOutbound implements Outbound {
  readonly queued: OutboundMessage[] = [];
  fail = false;

  enqueue(message: OutboundMessage): Promise<{ readonly id: string }> {
    if (this.fail) return Promise.reject(new Error('fake outbound failure'));
    this.queued.push(message);
    return Promise.resolve({ id: `fake-${this.queued.length}` });
  }
}

/** An in-memory DNS: `records['example.net']['TXT'] = [['v=spf1 -all']]`; anything else ENOTFOUND. */
export function memoryDns(records: Record<string, Record<string, string[][] | string[]>> = {}): DnsLookup {
  return (name, rrtype) => {
    const found = records[name.toLowerCase()]?.[rrtype.toUpperCase()];
    if (found) return Promise.resolve(found);
    const err = new Error(`queryTxt ENOTFOUND ${name}`) as NodeJS.ErrnoException;
    err.code = 'ENOTFOUND';
    return Promise.reject(err);
  };
}

export interface SmtpTestServer extends ImapTestServer {
  readonly alice: Account;
  readonly bob: Account;
  readonly outbound: RecordingOutbound | undefined;
  /** Raw bytes of every message in `address`'s mailbox, in UID order. */
  messages(address: string, mailbox: string): Promise<Buffer[]>;
  /** Flags of every message in the mailbox, in UID order. */
  flags(address: string, mailbox: string): Promise<(readonly string[])[]>;
}

export interface SmtpTestOptions {
  readonly outbound?: boolean;
  readonly dns?: DnsLookup;
  readonly config?: ConfigFile;
  readonly maxMessageBytes?: number;
}

export async function startSmtpTestServer(opts: SmtpTestOptions = {}): Promise<SmtpTestServer> {
  const smtp = createSmtpProtocol({ dns: opts.dns ?? memoryDns(), maxMessageBytes: opts.maxMessageBytes ?? TEST_MAX_BYTES });
  const outbound = opts.outbound ? new RecordingOutbound() : undefined;
  const server = await startImapTestServer({
    also: { smtp, submission: smtp, submissions: smtp },
    ...(opts.config ? { config: opts.config } : {}),
    ...(outbound ? { outbound } : {}),
  });
  const { store } = server;
  await store.domains.add('example.org');
  const passwordHash = await hashPassword(PASSWORD);
  const alice = await store.accounts.create({ address: ALICE, passwordHash });
  const bob = await store.accounts.create({ address: BOB, passwordHash });
  const mailboxOf = async (address: string, name: string) => {
    const account = await store.accounts.get(address);
    if (!account) throw new Error(`no account ${address}`);
    const mb = await store.mailboxes.get(account.id, name);
    if (!mb) throw new Error(`no mailbox ${name} for ${address}`);
    return mb;
  };
  const messages = async (address: string, name: string): Promise<Buffer[]> => {
    const mb = await mailboxOf(address, name);
    const metas = await store.messages.list(mb.id);
    return Promise.all(metas.map(async (m) => (await store.messages.open(m.blobHash)).read()));
  };
  const flags = async (address: string, name: string) => {
    const mb = await mailboxOf(address, name);
    return (await store.messages.list(mb.id)).map((m) => m.flags);
  };
  return { ...server, alice, bob, outbound, messages, flags };
}

/** `AUTH PLAIN` initial response for a login. */
export function plainAuth(user: string, password: string): string {
  return Buffer.from(`\0${user}\0${password}`).toString('base64');
}

/** Splits a stored message into our prepended trace headers and the rest. */
export function stripTrace(raw: Buffer): { trace: string; rest: Buffer } {
  let i = 0;
  const text = raw.toString('latin1');
  const traceNames = /^(Received|Authentication-Results|Received-SPF):/i;
  while (i < text.length) {
    const lineEnd = text.indexOf('\r\n', i);
    if (lineEnd < 0 || !traceNames.test(text.slice(i, lineEnd))) break;
    i = lineEnd + 2;
    // continuation lines
    while (text[i] === ' ' || text[i] === '\t') i = text.indexOf('\r\n', i) + 2;
  }
  return { trace: text.slice(0, i), rest: raw.subarray(i) };
}
