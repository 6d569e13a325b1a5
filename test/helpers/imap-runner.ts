/**
 * Runs a parsed transcript (IMAP or POP3) against a server: loads the fixtures through the store
 * API, opens connections as the exchange first names them (each on its protocol's port), sends
 * client bytes the way the variant says (line by line, in small chunks, or pipelined) and matches
 * every server response. Any failure throws a TranscriptFailure whose message is the whole
 * exchange so far.
 */
import { readFileSync } from 'node:fs';
import { hashPassword } from '../../src/auth/password.ts';
import type { PopUpdateItem, Store } from '../../src/store/ports.ts';
import { ConnectionClosed, formatResponse, ReadTimeout, TestConnection, type Response } from './imap-client.ts';
import { expandClientText, matchLine, UnboundCapture, type Captures } from './imap-match.ts';
import {
  connectionProtocol,
  type CloseEvent,
  type ExpectEvent,
  type SendEvent,
  type Transcript,
  type TranscriptEvent,
  type TranscriptProtocol,
} from './imap-transcript.ts';
import { sampleMessage } from './messages.ts';

export interface Variant {
  readonly name: string;
  /** Write each step's client bytes in pieces of this many octets. */
  readonly chunk?: number;
  /** Send every run of C lines of a connection in one write, literals as `{n+}`. */
  readonly pipelined?: boolean;
}

export const VARIANTS: readonly Variant[] = [
  { name: 'line by line' },
  { name: '1-byte writes', chunk: 1 },
  { name: '3-byte writes', chunk: 3 },
  { name: '17-byte writes', chunk: 17 },
  { name: 'pipelined', pipelined: true },
];

export interface RunOptions {
  /** The port of the transcript's own protocol. */
  readonly port: number;
  /** Ports of other protocols, for `connection N PROTOCOL` lines. */
  readonly ports?: Partial<Record<TranscriptProtocol, number>>;
  readonly variant: Variant;
  /** How long one step may wait for its expected bytes (default 5 s). */
  readonly stepTimeoutMs?: number;
}

export class TranscriptFailure extends Error {}

/** Default INTERNALDATE of fixture messages, so that transcripts can spell it out. */
export const FIXTURE_DATE = Date.parse('2026-11-02T10:00:00Z');
const FIXTURES = new URL('../fixtures/mime/', import.meta.url);

const hashes = new Map<string, Promise<string>>();

/** Creates the transcript's accounts, mailboxes, messages and settings through the store. */
export async function loadFixtures(store: Store, t: Transcript): Promise<void> {
  for (const a of t.accounts) {
    const domain = a.address.split('@')[1] ?? 'example.org';
    if (!(await store.domains.exists(domain))) await store.domains.add(domain);
    let hash = hashes.get(a.password);
    if (!hash) hashes.set(a.password, (hash = hashPassword(a.password)));
    const account = await store.accounts.create({
      address: a.address,
      passwordHash: await hash,
      ...(a.quotaBytes !== undefined ? { quotaBytes: a.quotaBytes } : {}),
    });
    const loadedAt = Date.now();
    const downloaded: PopUpdateItem[] = [];
    for (const name of a.mailboxes) await store.mailboxes.create(account.id, name);
    for (const name of a.subscribe) await store.mailboxes.setSubscribed(account.id, name, true);
    for (const name of a.unsubscribe) await store.mailboxes.setSubscribed(account.id, name, false);
    for (const [key, value] of a.settings) await store.settings.set(account.id, key, value);
    const claim = async (n: number): Promise<void> => {
      for (const c of a.claimRecent.filter((x) => x.afterMessages === n)) {
        const box = await store.mailboxes.get(account.id, c.mailbox);
        if (!box) throw new TranscriptFailure(`${t.name}: claim-recent: mailbox ${c.mailbox} does not exist`);
        await store.mailboxes.claimRecent(account.id, box.id);
      }
    };
    for (const [i, m] of a.messages.entries()) {
      await claim(i);
      const box = await store.mailboxes.get(account.id, m.mailbox);
      if (!box) throw new TranscriptFailure(`${t.name}:${m.line}: fixture mailbox ${m.mailbox} does not exist`);
      let raw: Buffer;
      if (m.inline) raw = m.inline;
      else if (m.source.startsWith('sample:')) raw = sampleMessage(Number(m.source.slice(7)));
      else raw = readFileSync(new URL(m.source, FIXTURES));
      const internalDate = m.ageMs !== undefined ? loadedAt - m.ageMs : (m.date ?? FIXTURE_DATE);
      const added = await store.messages.append(account.id, box.id, { raw, flags: m.flags, internalDate });
      if (m.downloaded) downloaded.push({ id: added.id, mailboxId: box.id, action: 'keep', markDownloaded: true });
    }
    await claim(a.messages.length);
    if (downloaded.length) await store.pop.update(account.id, downloaded, { remoteAddress: '127.0.0.1', retrieved: downloaded.length, deleted: 0 });
  }
}

/**
 * A continuation request (IMAP `+ text`, POP3 SASL `+ base64`; not POP3's `+OK`; SMTP's AUTH
 * `334` and DATA's `354`, which a pipelining SMTP client waits for too, RFC 2920 §3.1).
 */
const CONTINUATION = /^(?:\+(?: |$)|3[35]4 )/;

/** The pipelined variant's events: runs of one connection's sends merged, literal `+` dropped. */
export function pipelineEvents(events: readonly TranscriptEvent[]): TranscriptEvent[] {
  const out: TranscriptEvent[] = [];
  let open: { send: SendEvent; pieces: SendEvent['pieces'] } | null = null;
  for (const e of events) {
    if (e.kind === 'close') {
      out.push(e);
      open = null;
      continue;
    }
    if (e.kind === 'expect') {
      if (e.literalContinuation) continue;
      out.push(e);
      // A continuation request must be waited for; another connection's line orders the runs.
      if (open && (e.conn !== open.send.conn || CONTINUATION.test(e.texts[0]!))) open = null;
      continue;
    }
    const pieces = e.pieces.map((p, i) =>
      p.kind === 'text' && e.syncLiteral && i === e.pieces.length - 1
        ? { kind: 'text' as const, text: p.text.replace(/\{(\d+)\}\r\n$/, '{$1+}\r\n') }
        : p,
    );
    const usesCapture = pieces.some((p) => p.kind === 'text' && p.text.includes('${'));
    if (open && open.send.conn === e.conn && !usesCapture) {
      open.pieces.push(...pieces);
      continue;
    }
    const send: SendEvent = { ...e, pieces, syncLiteral: false };
    out.push(send);
    open = { send, pieces };
  }
  return out;
}

class Run {
  readonly trace: string[] = [];
  readonly conns = new Map<number, TestConnection>();
  readonly caps: Captures = new Map();
  readonly timeout: number;

  constructor(
    readonly t: Transcript,
    readonly opts: RunOptions,
  ) {
    this.timeout = opts.stepTimeoutMs ?? 5000;
  }

  fail(what: string, conn?: number): never {
    const lines = [`${this.t.name} [${this.opts.variant.name}]: ${what}`, '--- exchange so far (C> sent, S< received) ---', ...this.trace];
    if (conn !== undefined) {
      const pending = this.conns.get(conn)?.pending;
      if (pending?.length) lines.push(`--- received on connection ${conn}, not yet a whole response ---`, JSON.stringify(pending.toString('utf8').slice(0, 2000)));
    }
    throw new TranscriptFailure(lines.join('\n'));
  }

  async conn(n: number): Promise<TestConnection> {
    let c = this.conns.get(n);
    if (!c) {
      const protocol = connectionProtocol(this.t, n);
      const port = protocol === this.t.protocol ? this.opts.port : this.opts.ports?.[protocol];
      if (port === undefined) this.fail(`connection ${n} speaks ${protocol}, but the server has no ${protocol} port`);
      c = await TestConnection.open(port, { literals: protocol === 'imap' });
      this.conns.set(n, c);
      this.trace.push(`   (connection ${n} opened${protocol === this.t.protocol ? '' : `, ${protocol}`})`);
    }
    return c;
  }

  /** `C: <<close>>` (our side closes, the server must follow) and `S: <<closed>>` (the server closes). */
  async closing(e: CloseEvent): Promise<void> {
    const c = await this.conn(e.conn);
    if (e.by === 'client') {
      this.trace.push(`C${e.conn}> (closes the connection)`);
      if (!c.closed) c.end();
    }
    const closed = await c.waitClosed(Date.now() + this.timeout);
    if (c.pending.length) {
      this.trace.push(`S${e.conn}< ${JSON.stringify(c.pending.toString('utf8').slice(0, 2000))}`);
      this.fail(`line ${e.line + 1}: unexpected output on connection ${e.conn} before it closed`);
    }
    if (!closed) {
      this.fail(`line ${e.line + 1}: connection ${e.conn}: the server kept the connection open ${this.timeout} ms${e.by === 'client' ? ' after the client closed its side' : ''}`, e.conn);
    }
    this.trace.push(`S${e.conn}< (connection closed)`);
  }

  async send(e: SendEvent): Promise<void> {
    const c = await this.conn(e.conn);
    const bufs: Buffer[] = [];
    for (const p of e.pieces) {
      if (p.kind === 'data') {
        bufs.push(p.data);
        const shown = formatResponse({ texts: ['', ''], literals: [p.data] }).split('\n').slice(1, -1);
        for (const l of shown) this.trace.push(`C${e.conn}> ${l.trim()}`);
        continue;
      }
      let text: string;
      try {
        text = expandClientText(p.text, this.caps);
      } catch (err) {
        if (err instanceof UnboundCapture) this.fail(`line ${e.line + 1}: ${err.message}`);
        throw err;
      }
      bufs.push(Buffer.from(text, 'utf8'));
      const shown = p.text.replace(/\r\n$/, '');
      for (const l of shown.split('\r\n')) this.trace.push(`C${e.conn}> ${l.length > 300 ? `${l.slice(0, 300)}…(${l.length} chars)` : l}`);
    }
    try {
      await c.write(Buffer.concat(bufs), this.opts.variant.chunk);
    } catch (err) {
      this.fail(`line ${e.line + 1}: cannot write to connection ${e.conn}: ${(err as Error).message}`, e.conn);
    }
  }

  async read(conn: number, expected: string, deadline: number): Promise<Response> {
    const c = await this.conn(conn);
    try {
      return await c.readResponse(deadline);
    } catch (err) {
      if (err instanceof ReadTimeout) {
        this.fail(`timed out after ${this.timeout} ms waiting on connection ${conn} for\n  ${expected}`, conn);
      }
      if (err instanceof ConnectionClosed) {
        this.fail(`connection ${conn} was closed by the server while waiting for\n  ${expected}`, conn);
      }
      throw err;
    }
  }

  /** Matches one response against one expectation; returns the new captures or null. */
  match(e: ExpectEvent, r: Response, caps: Captures): Captures | null {
    if (r.literals.length !== e.literals.length) return null;
    const bound = new Map(caps);
    for (let i = 0; i < e.texts.length; i++) {
      const got = matchLine(e.texts[i]!, r.texts[i]!, bound);
      if (!got) return null;
      for (const [k, v] of got) bound.set(k, v);
      if (i < e.literals.length && !e.literals[i]!.equals(r.literals[i]!)) return null;
    }
    return bound;
  }

  show(e: ExpectEvent): string {
    return `S${e.conn}${e.unordered ? '~' : ''}: ${formatResponse({ texts: e.texts, literals: e.literals })} (line ${e.line + 1})`;
  }

  async expect(e: ExpectEvent): Promise<void> {
    const r = await this.read(e.conn, this.show(e), Date.now() + this.timeout);
    this.trace.push(`S${e.conn}< ${formatResponse(r)}`);
    const bound = this.match(e, r, this.caps);
    if (!bound) this.fail(`line ${e.line + 1}: expected\n  ${this.show(e)}\nbut received\n  ${formatResponse(r)}`, e.conn);
    for (const [k, v] of bound) this.caps.set(k, v);
  }

  /** An `S~:` group: as many responses as patterns, matched in any order (with backtracking). */
  async expectGroup(group: ExpectEvent[]): Promise<void> {
    const deadline = Date.now() + this.timeout;
    const got: Response[] = [];
    const all = group.map((g) => this.show(g)).join('\n  ');
    for (let i = 0; i < group.length; i++) {
      const r = await this.read(group[0]!.conn, `the unordered group\n  ${all}\n(${i} of ${group.length} received)`, deadline);
      this.trace.push(`S${group[0]!.conn}< ${formatResponse(r)}`);
      got.push(r);
      // A tagged response ends the untagged ones: no need to wait for the rest of the group.
      const imap = connectionProtocol(this.t, group[0]!.conn) === 'imap';
      if (imap && !/^[*+]/.test(r.texts[0]!) && group.every((g) => /^[*+]/.test(g.texts[0]!))) {
        this.fail(`lines ${group[0]!.line + 1}-${group.at(-1)!.line + 1}: the unordered group\n  ${all}\nreceived a tagged response after only ${i} of its ${group.length} responses:\n  ${got.map((x) => formatResponse(x)).join('\n  ')}`, group[0]!.conn);
      }
    }
    const used = new Set<number>();
    const assign = (i: number, caps: Captures): Captures | null => {
      if (i === got.length) return caps;
      for (let j = 0; j < group.length; j++) {
        if (used.has(j)) continue;
        const bound = this.match(group[j]!, got[i]!, caps);
        if (!bound) continue;
        used.add(j);
        const done = assign(i + 1, bound);
        if (done) return done;
        used.delete(j);
      }
      return null;
    };
    const result = assign(0, this.caps);
    if (!result) {
      this.fail(`lines ${group[0]!.line + 1}-${group.at(-1)!.line + 1}: the unordered group\n  ${all}\ndoes not match the responses received\n  ${got.map((r) => formatResponse(r)).join('\n  ')}`, group[0]!.conn);
    }
    for (const [k, v] of result) this.caps.set(k, v);
  }

  /** After the last step: every connection must have nothing left to say, then be closed. */
  async finish(): Promise<void> {
    for (const [n, c] of this.conns) {
      if (c.pending.length) this.fail(`unexpected output on connection ${n} after its last expected line`, n);
      if (!c.closed) c.end();
      const closed = await c.waitClosed(Date.now() + this.timeout);
      if (c.pending.length) {
        this.trace.push(`S${n}< ${JSON.stringify(c.pending.toString('utf8').slice(0, 2000))}`);
        this.fail(`unexpected output on connection ${n} after its last expected line`);
      }
      if (!closed) this.fail(`connection ${n}: the server kept the connection open ${this.timeout} ms after the client closed its side`);
    }
  }

  close(): void {
    for (const c of this.conns.values()) c.destroy();
  }
}

/** Runs one transcript in one variant against a server listening on `opts.port`. */
export async function runTranscript(t: Transcript, opts: RunOptions): Promise<void> {
  const events = opts.variant.pipelined ? pipelineEvents(t.events) : t.events;
  const run = new Run(t, opts);
  try {
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (e.kind === 'send') {
        await run.send(e);
      } else if (e.kind === 'close') {
        await run.closing(e);
      } else if (e.unordered) {
        const group = [e];
        while (true) {
          const n = events[i + 1];
          if (!n || n.kind !== 'expect' || !n.unordered || n.conn !== e.conn) break;
          group.push(n);
          i++;
        }
        await run.expectGroup(group);
      } else {
        await run.expect(e);
      }
    }
    await run.finish();
  } finally {
    run.close();
  }
}

/**
 * What the server announces: the greeting's and CAPABILITY's list, and after a LOGIN as the
 * transcript's first account (when it has one) the login reply's and CAPABILITY's list again.
 * For POP3: the CAPA lines (each line and its first word) before and after USER/PASS.
 */
export async function probeCapabilities(port: number, t: Transcript, timeoutMs = 5000): Promise<Set<string>> {
  if (t.protocol === 'pop3') return probePop3Capabilities(port, t, timeoutMs);
  const caps = new Set<string>();
  const c = await TestConnection.open(port);
  const take = (text: string): void => {
    const m = /^(?:\* CAPABILITY (.*)|.*\[CAPABILITY ([^\]]*)\].*)$/i.exec(text);
    for (const cap of (m?.[1] ?? m?.[2] ?? '').split(' ')) if (cap) caps.add(cap.toUpperCase());
  };
  const until = async (tag: string): Promise<string> => {
    for (;;) {
      const r = await c.readResponse(Date.now() + timeoutMs);
      for (const text of r.texts) take(text);
      if (r.texts[0]!.startsWith(`${tag} `)) return r.texts[0]!;
    }
  };
  try {
    take((await c.readResponse(Date.now() + timeoutMs)).texts[0] ?? '');
    await c.write(Buffer.from('p1 CAPABILITY\r\n'));
    await until('p1');
    const a = t.accounts[0];
    if (a) {
      const q = (s: string): string => `"${s.replace(/[\\"]/g, '\\$&')}"`;
      await c.write(Buffer.from(`p2 LOGIN ${q(a.address)} ${q(a.password)}\r\n`));
      if (/^p2 OK/i.test(await until('p2'))) {
        await c.write(Buffer.from('p3 CAPABILITY\r\n'));
        await until('p3');
      }
    }
    await c.write(Buffer.from('p4 LOGOUT\r\n'));
    await until('p4').catch(() => undefined);
  } finally {
    c.destroy();
  }
  return caps;
}

async function probePop3Capabilities(port: number, t: Transcript, timeoutMs: number): Promise<Set<string>> {
  const caps = new Set<string>();
  const c = await TestConnection.open(port, { literals: false });
  const line = async (): Promise<string> => (await c.readResponse(Date.now() + timeoutMs)).texts[0]!;
  const command = async (text: string): Promise<boolean> => {
    await c.write(Buffer.from(`${text}\r\n`));
    return (await line()).startsWith('+OK');
  };
  const capa = async (): Promise<void> => {
    if (!(await command('CAPA'))) return;
    for (let l = await line(); l !== '.'; l = await line()) {
      caps.add(l.toUpperCase());
      caps.add(l.split(' ')[0]!.toUpperCase());
    }
  };
  try {
    await line();
    await capa();
    const a = t.accounts[0];
    if (a && (await command(`USER ${a.address}`)) && (await command(`PASS ${a.password}`))) await capa();
    await command('QUIT').catch(() => false);
  } finally {
    c.destroy();
  }
  return caps;
}
