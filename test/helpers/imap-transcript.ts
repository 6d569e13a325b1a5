/**
 * Parses a transcript file (format: test/transcripts/README.md) into fixtures and a list of
 * events: sends (client bytes, possibly with literal data), expectations (one server response,
 * possibly spanning literals), and connection closes. The transcript's protocol decides the
 * framing: IMAP has `{n}` literals in C and S lines; in POP3 every line is just a line (a
 * multi-line answer is its S lines, the terminating `S: .` included). Parse errors name the line.
 */

/** The protocols a transcript (or one of its connections) can speak (SMTP: the MTA port 25 or submission 587). */
export type TranscriptProtocol = 'imap' | 'pop3' | 'smtp' | 'submission';
const PROTOCOLS: readonly TranscriptProtocol[] = ['imap', 'pop3', 'smtp', 'submission'];

/** One piece of client bytes: text (captures `${x}` substituted at send time) or raw literal data. */
export type Piece = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'data'; readonly data: Buffer };

export interface SendEvent {
  readonly kind: 'send';
  readonly conn: number;
  readonly line: number;
  readonly pieces: Piece[];
  /** The last text piece ends in a synchronising literal `{n}` whose data follows in a later send. */
  readonly syncLiteral: boolean;
}

export interface ExpectEvent {
  readonly kind: 'expect';
  readonly conn: number;
  readonly line: number;
  /** Text patterns around the literals; `texts.length === literals.length + 1`. */
  readonly texts: string[];
  readonly literals: Buffer[];
  /** Part of an `S~:` group: matches any response of its group. */
  readonly unordered: boolean;
  /** The `+` answering a synchronising literal (dropped when the client pipelines with `{n+}`). */
  readonly literalContinuation: boolean;
}

/** `C: <<close>>`: the client closes its side (no QUIT/LOGOUT); `S: <<closed>>`: the server must close. */
export interface CloseEvent {
  readonly kind: 'close';
  /** Who closes: the client (`<<close>>`) or, as expected, the server (`<<closed>>`). */
  readonly by: 'client' | 'server';
  readonly conn: number;
  readonly line: number;
}

export type TranscriptEvent = SendEvent | ExpectEvent | CloseEvent;

const CLIENT_CLOSE = '<<close>>';
const SERVER_CLOSED = '<<closed>>';

export interface MessageFixture {
  readonly line: number;
  readonly mailbox: string;
  /** `file.eml` under test/fixtures/mime, `sample:N`, or `inline`. */
  readonly source: string;
  readonly inline?: Buffer;
  readonly flags: string[];
  readonly date?: number;
  /** `date=-Nd`: INTERNALDATE this many ms before the fixtures are loaded. */
  readonly ageMs?: number;
  /** Marked as downloaded by an earlier POP3 session (the `pop.mode=gmail` marker). */
  readonly downloaded?: boolean;
}

export interface AccountFixture {
  readonly address: string;
  readonly password: string;
  readonly quotaBytes?: number;
  readonly mailboxes: string[];
  readonly messages: MessageFixture[];
  readonly settings: [string, string][];
  readonly subscribe: string[];
  readonly unsubscribe: string[];
  /** Mailboxes whose messages (loaded so far) an earlier session already saw as \Recent. */
  readonly claimRecent: { readonly mailbox: string; readonly afterMessages: number }[];
}

export interface Transcript {
  readonly name: string;
  readonly source: string;
  readonly lines: string[];
  /** What the connections speak unless `connection N PROTOCOL` says otherwise. */
  readonly protocol: TranscriptProtocol;
  /** Connections that speak another protocol than the transcript's (on that protocol's port). */
  readonly connections: ReadonlyMap<number, TranscriptProtocol>;
  readonly accounts: AccountFixture[];
  readonly requires: string[];
  readonly pipeline: boolean;
  /** `idle-timeout: MS`: the server's autologout timers for this transcript. */
  readonly idleTimeoutMs?: number;
  readonly events: TranscriptEvent[];
}

/** What connection `conn` of `t` speaks. */
export function connectionProtocol(t: Pick<Transcript, 'protocol' | 'connections'>, conn: number): TranscriptProtocol {
  return t.connections.get(conn) ?? t.protocol;
}

export class TranscriptSyntaxError extends Error {}

const PREFIX = /^(C|S)(\d*)(~?):(?: (.*))?$/;
const LITERAL_AT_END = /~?\{(\d+)(\+?)\}$/;

/** Reads a `.`-terminated data block starting at `i`; the `{n}` count decides the final CRLF. */
function readBlock(
  lines: string[],
  i: number,
  n: number,
  announced: number,
  fail: (line: number, msg: string) => never,
): { data: Buffer; next: number } {
  const body: string[] = [];
  let j = i;
  for (; j < lines.length && lines[j] !== '.'; j++) {
    const l = lines[j]!;
    body.push(l.startsWith('.') ? l.slice(1) : l);
  }
  if (j >= lines.length) fail(i, `literal data block has no terminating "." line`);
  const joined = Buffer.from(body.join('\r\n'), 'utf8');
  if (joined.length === n) return { data: joined, next: j + 1 };
  const withCrlf = Buffer.concat([joined, Buffer.from('\r\n')]);
  if (withCrlf.length === n) return { data: withCrlf, next: j + 1 };
  fail(announced, `literal announces {${n}} but its block holds ${joined.length} octets (${withCrlf.length} with a final CRLF)`);
}

function parseFlags(v: string): string[] {
  return v === '' ? [] : v.split(',').map((f) => f.trim()).filter(Boolean);
}

interface Header {
  accounts: AccountFixture[];
  requires: string[];
  pipeline: boolean;
  connections: Map<number, TranscriptProtocol>;
  idleTimeoutMs?: number;
}

/** An inline message's bytes: `newline=lf` ends lines in a bare LF, `final-newline=no` drops the last one. */
function inlineBytes(body: string[], opts: readonly string[]): Buffer {
  const eol = opts.includes('newline=lf') ? '\n' : '\r\n';
  const text = body.map((l) => `${l}${eol}`).join('');
  return Buffer.from(opts.includes('final-newline=no') ? text.slice(0, -eol.length) : text, 'utf8');
}

function parseHeader(header: string[], fail: (line: number, msg: string) => never): Header {
  const accounts: AccountFixture[] = [];
  const requires: string[] = [];
  const connections = new Map<number, TranscriptProtocol>();
  let idleTimeoutMs: number | undefined;
  let pipeline = true;
  let i = 0;
  const current = (line: number): AccountFixture => {
    const a = accounts.at(-1);
    if (!a) fail(line, 'declare an `account` before mailboxes, messages or settings');
    return a;
  };
  while (i < header.length) {
    const raw = header[i]!;
    const line = i;
    i++;
    if (raw.startsWith('#') || raw.trim() === '') continue;
    const [word = '', ...rest] = raw.trim().split(/\s+/);
    switch (word) {
      case 'requires:':
        requires.push(...rest);
        break;
      case 'pipeline:':
        if (rest[0] !== 'no' && rest[0] !== 'yes') fail(line, 'pipeline: takes "no" or "yes"');
        pipeline = rest[0] === 'yes';
        break;
      case 'idle-timeout:':
        idleTimeoutMs = Number(rest[0]);
        if (rest.length !== 1 || !Number.isInteger(idleTimeoutMs) || idleTimeoutMs <= 0) fail(line, 'idle-timeout: MS');
        break;
      case 'connection': {
        const [n, protocol] = rest as [string?, TranscriptProtocol?];
        if (rest.length !== 2 || !/^[1-9][0-9]*$/.test(n ?? '') || !PROTOCOLS.includes(protocol!)) {
          fail(line, `connection N PROTOCOL (${PROTOCOLS.join(' or ')})`);
        }
        connections.set(Number(n), protocol!);
        break;
      }
      case 'account': {
        const [address, password, ...opts] = rest;
        if (!address || !password) fail(line, 'account ADDRESS PASSWORD [quota=BYTES]');
        const quota = opts.find((o) => o.startsWith('quota='));
        accounts.push({
          address,
          password,
          ...(quota ? { quotaBytes: Number(quota.slice(6)) } : {}),
          mailboxes: [],
          messages: [],
          settings: [],
          subscribe: [],
          unsubscribe: [],
          claimRecent: [],
        });
        break;
      }
      case 'mailbox':
        if (rest.length !== 1) fail(line, 'mailbox NAME (one name, no spaces)');
        current(line).mailboxes.push(rest[0]!);
        break;
      case 'subscribe':
      case 'unsubscribe':
        if (rest.length !== 1) fail(line, `${word} NAME`);
        current(line)[word].push(rest[0]!);
        break;
      case 'claim-recent': {
        if (rest.length !== 1) fail(line, 'claim-recent MAILBOX');
        const a = current(line);
        a.claimRecent.push({ mailbox: rest[0]!, afterMessages: a.messages.length });
        break;
      }
      case 'setting':
        if (rest.length !== 2) fail(line, 'setting KEY VALUE');
        current(line).settings.push([rest[0]!, rest[1]!]);
        break;
      case 'message': {
        const [mailbox, source, ...opts] = rest;
        if (!mailbox || !source) fail(line, 'message MAILBOX (FILE.eml|sample:N|inline) [flags=A,B] [date=ISO|date=-Nd] [downloaded]');
        let flags: string[] = [];
        let date: number | undefined;
        let ageMs: number | undefined;
        let downloaded = false;
        for (const o of opts) {
          const days = /^date=-(\d+)d$/.exec(o);
          if (o.startsWith('flags=')) flags = parseFlags(o.slice(6));
          else if (days) ageMs = Number(days[1]) * 86_400_000;
          else if (o.startsWith('date=')) {
            date = Date.parse(o.slice(5));
            if (Number.isNaN(date)) fail(line, `bad date ${o.slice(5)}`);
          } else if (o === 'downloaded') downloaded = true;
          else if (source !== 'inline' || (o !== 'newline=lf' && o !== 'final-newline=no')) fail(line, `unknown message option ${o}`);
        }
        let inline: Buffer | undefined;
        if (source === 'inline') {
          const body: string[] = [];
          while (i < header.length && header[i] !== '.') body.push(header[i++]!.replace(/^\./, ''));
          if (i >= header.length) fail(line, 'inline message has no terminating "." line');
          i++;
          inline = inlineBytes(body, opts);
        }
        current(line).messages.push({
          line: line + 1,
          mailbox,
          source,
          flags,
          ...(date !== undefined ? { date } : {}),
          ...(ageMs !== undefined ? { ageMs } : {}),
          ...(downloaded ? { downloaded } : {}),
          ...(inline ? { inline } : {}),
        });
        break;
      }
      default:
        fail(line, `unknown fixture line "${raw}"`);
    }
  }
  return { accounts, requires, pipeline, connections, ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}) };
}

/** Splits the file into header and exchange and builds the event list. */
export function parseTranscript(name: string, source: string, protocol: TranscriptProtocol = 'imap'): Transcript {
  const lines = source.replace(/\r\n/g, '\n').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const fail: (line: number, msg: string) => never = (line, msg) => {
    throw new TranscriptSyntaxError(`${name}:${line + 1}: ${msg}`);
  };
  // The header ends at the first blank line that is not inside an inline message.
  let h = 0;
  let inInline = false;
  for (; h < lines.length; h++) {
    const l = lines[h]!;
    if (inInline) {
      if (l === '.') inInline = false;
      continue;
    }
    if (/^message\s+\S+\s+inline\b/.test(l)) inInline = true;
    else if (l.trim() === '') break;
    else if (PREFIX.test(l)) fail(h, 'the exchange must follow the header after one blank line');
  }
  const header = lines.slice(0, h);
  const fixtures = parseHeader(header, (line, msg) => fail(line, msg));
  const speaks = (conn: number): TranscriptProtocol => connectionProtocol({ protocol, connections: fixtures.connections }, conn);
  const events: TranscriptEvent[] = [];
  // Connections closed by `<<close>>` / `<<closed>>`, and where.
  const ended = new Map<number, number>();
  // A send waiting for its literal data (after a synchronising literal's `+`).
  const pendingData = new Map<number, { n: number; line: number; sawPlus: boolean; send: SendEvent | null }>();
  let i = h + 1;
  while (i < lines.length) {
    const raw = lines[i]!;
    const line = i;
    i++;
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const m = PREFIX.exec(raw);
    if (!m) fail(line, `expected "C:" or "S:" (data blocks follow only a line ending in a literal), got "${raw}"`);
    const [, who, num, tilde, textRaw] = m as unknown as [string, string, string, string, string | undefined];
    const conn = num === '' ? 1 : Number(num);
    const text = textRaw ?? '';
    if (ended.has(conn)) fail(line, `connection ${conn} was closed on line ${ended.get(conn)! + 1}`);
    const hasLiterals = speaks(conn) === 'imap';
    if (text === CLIENT_CLOSE || text === SERVER_CLOSED) {
      if (tilde || (text === CLIENT_CLOSE) !== (who === 'C')) fail(line, `write "C${num}: ${CLIENT_CLOSE}" or "S${num}: ${SERVER_CLOSED}"`);
      if (pendingData.has(conn)) fail(line, `connection ${conn} still has a literal in progress`);
      events.push({ kind: 'close', by: text === CLIENT_CLOSE ? 'client' : 'server', conn, line });
      ended.set(conn, line);
      continue;
    }
    if (who === 'C') {
      if (tilde) fail(line, '"~" is for S lines only');
      const waiting = pendingData.get(conn);
      let send: SendEvent;
      if (waiting?.send) {
        // Continuation of a command after a non-synchronising literal's data.
        send = waiting.send;
        send.pieces.push({ kind: 'text', text: `${text}\r\n` });
        pendingData.delete(conn);
      } else if (waiting) {
        fail(line, `the literal of line ${waiting.line + 1} is still waiting for its "+" and data`);
      } else {
        send = { kind: 'send', conn, line, pieces: [{ kind: 'text', text: `${text}\r\n` }], syncLiteral: false };
        events.push(send);
      }
      const lit = hasLiterals ? LITERAL_AT_END.exec(text) : null;
      if (lit) {
        const n = Number(lit[1]);
        if (lit[2] === '+') {
          const block = readBlock(lines, i, n, line, fail);
          i = block.next;
          send.pieces.push({ kind: 'data', data: block.data });
          pendingData.set(conn, { n, line, sawPlus: true, send });
        } else {
          (send as { syncLiteral: boolean }).syncLiteral = true;
          pendingData.set(conn, { n, line, sawPlus: false, send: null });
        }
      }
      continue;
    }
    // S line.
    const waiting = pendingData.get(conn);
    if (waiting && !waiting.send) {
      if (text.startsWith('+')) {
        events.push({ kind: 'expect', conn, line, texts: [text], literals: [], unordered: false, literalContinuation: true });
        const block = readBlock(lines, i, waiting.n, waiting.line, fail);
        i = block.next;
        const send: SendEvent = { kind: 'send', conn, line: i - 1, pieces: [{ kind: 'data', data: block.data }], syncLiteral: false };
        events.push(send);
        pendingData.set(conn, { ...waiting, sawPlus: true, send });
        continue;
      }
      if (!text.startsWith('*')) {
        // The server refused the literal with a tagged answer: no data is sent.
        if (fixtures.pipeline) fail(line, 'a refused literal cannot be pipelined: add "pipeline: no" to the header');
        pendingData.delete(conn);
      }
    } else if (waiting?.send) {
      fail(line, `the command of line ${waiting.line + 1} continues after its literal: write its rest as a "C${num}:" line next`);
    }
    const texts = [text];
    const literals: Buffer[] = [];
    let lit = hasLiterals ? LITERAL_AT_END.exec(text) : null;
    while (lit) {
      if (tilde) fail(line, 'S~ lines cannot carry literals');
      const block = readBlock(lines, i, Number(lit[1]), i - 1, fail);
      i = block.next;
      literals.push(block.data);
      const next = lines[i];
      const cm = next === undefined ? null : PREFIX.exec(next);
      if (!cm || cm[1] !== 'S' || (cm[2] === '' ? 1 : Number(cm[2])) !== conn) {
        fail(i, `the response of line ${line + 1} continues after its literal: write its rest as an "S${num}:" line`);
      }
      const rest = cm[4] ?? '';
      texts.push(rest);
      i++;
      lit = LITERAL_AT_END.exec(rest);
    }
    events.push({ kind: 'expect', conn, line, texts, literals, unordered: tilde === '~', literalContinuation: false });
  }
  for (const [conn, w] of pendingData) {
    fail(w.line, `connection ${conn}: the command with the literal never ends (missing "C${conn === 1 ? '' : conn}:" line)`);
  }
  if (!events.some((e) => e.kind === 'send' || e.kind === 'expect')) fail(h, 'the transcript has no exchange');
  return {
    name,
    source,
    lines,
    protocol,
    connections: fixtures.connections,
    accounts: fixtures.accounts,
    requires: fixtures.requires,
    pipeline: fixtures.pipeline,
    ...(fixtures.idleTimeoutMs !== undefined ? { idleTimeoutMs: fixtures.idleTimeoutMs } : {}),
    events,
  };
}
