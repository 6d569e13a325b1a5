/**
 * The clients of the PostgreSQL fault test (pg-fault.test.ts): raw line clients for SMTP,
 * submission, IMAP and POP3, plus the web API, each step recording what it got as ok, temporary
 * (the answer a client should get while the store is away) or bad (anything else: BAD,
 * SERVERBUG, a refused right password, a 5xx, a connection the server closed or stopped
 * answering on). They also remember what the server acknowledged: deliveries and APPENDs, UID
 * EXPUNGEs, POP3 deletions.
 */
import { performance } from 'node:perf_hooks';
import { LineClient, OP_TIMEOUT_MS } from './line-client.ts';

export interface Recorder {
  ok(client: string, text?: string): void;
  temp(client: string, text: string): void;
  bad(client: string, text: string): void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface FaultPorts {
  readonly smtp: number;
  readonly submission: number;
  readonly imap: number;
  readonly pop3: number;
  readonly http: number;
}

export interface FaultAccount {
  readonly user: string;
  readonly password: string;
  readonly mail: (to: string, subject: string) => string;
}

const TAGGED = (tag: string): RegExp => new RegExp(`^${tag} (OK|NO|BAD)`);
const IMAP_TEMP = / NO \[UNAVAILABLE\]/;

/** An IMAP client in IDLE on INBOX, counting messages from EXISTS and EXPUNGE. */
export class Idler {
  count = 0;
  bye: string | null = null;

  constructor(private readonly c: LineClient) {
    c.onLine = (line) => {
      const exists = /^\* (\d+) EXISTS$/.exec(line.text);
      if (exists) this.count = Number(exists[1]);
      else if (/^\* \d+ EXPUNGE$/.test(line.text)) this.count--;
      else if (line.text.startsWith('* BYE')) this.bye = line.text;
    };
  }

  /** When the first EXISTS after `t` arrived. */
  async waitExistsAfter(t: number, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const seen = this.c.lines.find((l) => l.at > t && /^\* \d+ EXISTS$/.test(l.text));
      if (seen) return seen.at;
      if (this.c.closed || this.bye) throw new Error(`the IDLE connection ended: ${this.bye ?? 'closed'}`);
      if (performance.now() > deadline) throw new Error(`the IDLE client saw no new mail within ${timeoutMs} ms of the delivery`);
      await sleep(20);
    }
  }

  /** Ends IDLE, syncs once more, logs out; returns the message count the client believes. */
  async done(): Promise<number> {
    if (this.bye || this.c.closed) throw new Error(`the IDLE connection ended: ${this.bye ?? 'closed'}`);
    this.c.send('DONE');
    const idle = await this.c.until(TAGGED('i'));
    if (!idle.text.startsWith('i OK')) throw new Error(`IDLE ended with ${idle.text}`);
    const noop = await this.c.cmd('n NOOP', TAGGED('n'));
    if (!noop.text.startsWith('n OK')) throw new Error(`NOOP: ${noop.text}`);
    this.c.close();
    return this.count;
  }
}

/** A POP3 session holding its maildrop lock, with one DELE pending. */
export class PopHolder {
  constructor(private readonly c: LineClient) {}

  async quit(): Promise<string> {
    const r = await this.c.cmd('QUIT', /^[+-]/);
    this.c.close();
    return r.text;
  }
}

export class FaultClient {
  /** Subjects of deliveries (250 after DATA) and APPENDs (OK). */
  readonly acked: string[] = [];
  /** Subjects whose UID EXPUNGE answered OK. */
  readonly victimsExpunged: string[] = [];
  /** Subjects deleted by a POP3 session whose QUIT answered +OK. */
  readonly popDeleted: string[] = [];
  /** Subjects DELE'd in a session that then sent QUIT (whatever it answered). */
  readonly popTried = new Set<string>();
  private readonly conns = new Map<string, LineClient>();
  private n = 0;

  constructor(
    private readonly ports: FaultPorts,
    private readonly log: Recorder,
    private readonly account: FaultAccount,
  ) {}

  /** Runs `step` until `stopped`; a step that throws is bad, and its connection starts afresh. */
  async loop(name: string, stopped: () => boolean, step: () => Promise<void>, paceMs = 30): Promise<void> {
    while (!stopped()) {
      try {
        await step();
      } catch (err) {
        this.log.bad(name, (err as Error).message);
        this.drop(name);
        await sleep(200);
      }
      await sleep(paceMs);
    }
    this.drop(name);
  }

  private drop(name: string): void {
    this.conns.get(name)?.close();
    this.conns.delete(name);
  }

  private subject(prefix: string): string {
    return `${prefix}-${++this.n}`;
  }

  // ---- SMTP ---------------------------------------------------------------------------------

  private async smtpConn(name: string): Promise<LineClient> {
    let c = this.conns.get(name);
    if (c && !c.closed) return c;
    c = await LineClient.open(this.ports.smtp);
    this.conns.set(name, c);
    await c.until(/^220 /);
    await c.cmd('EHLO client.example.net', /^250 /);
    return c;
  }

  /** One delivery on the sender's connection; 4xx anywhere is temporary (then RSET). */
  async smtpDeliver(name: string): Promise<void> {
    const c = await this.smtpConn(name);
    const subject = this.subject(name);
    const step = async (text: string, want: RegExp): Promise<boolean> => {
      const r = await c.cmd(text, /^\d{3} /);
      if (want.test(r.text)) return true;
      if (/^4/.test(r.text)) this.log.temp(name, r.text);
      else this.log.bad(name, `${text.split(/\r\n/)[0]!.slice(0, 40)}: ${r.text}`);
      await c.cmd('RSET', /^\d{3} /);
      return false;
    };
    if (!(await step('MAIL FROM:<sender@example.net>', /^250 /))) return;
    if (!(await step(`RCPT TO:<${this.account.user}>`, /^250 /))) return;
    if (!(await step('DATA', /^354 /))) return;
    const r = await c.cmd(`${this.account.mail(this.account.user, subject)}.`, /^\d{3} /);
    if (r.text.startsWith('250 ')) {
      this.acked.push(subject);
      this.log.ok(name);
    } else if (/^4/.test(r.text)) {
      this.log.temp(name, r.text);
    } else {
      this.log.bad(name, `DATA: ${r.text}`);
    }
  }

  /** One delivery on a new connection that must succeed; returns its subject and 250's time. */
  async smtpDeliverOnce(prefix: string): Promise<{ subject: string; at: number }> {
    const c = await LineClient.open(this.ports.smtp);
    try {
      const subject = this.subject(prefix);
      await c.until(/^220 /);
      await c.cmd('EHLO client.example.net', /^250 /);
      for (const [text, want] of [
        ['MAIL FROM:<sender@example.net>', /^250 /],
        [`RCPT TO:<${this.account.user}>`, /^250 /],
        ['DATA', /^354 /],
        [`${this.account.mail(this.account.user, subject)}.`, /^250 /],
      ] as const) {
        const r = await c.cmd(text, /^\d{3} /);
        if (!want.test(r.text)) throw new Error(`${prefix}: ${r.text}`);
      }
      return { subject, at: c.lines.at(-1)!.at };
    } finally {
      c.close();
    }
  }

  /** AUTH PLAIN on the submission port, on a new connection each time. */
  async smtpAuth(): Promise<void> {
    const c = await LineClient.open(this.ports.submission);
    try {
      await c.until(/^220 /);
      await c.cmd('EHLO client.example.net', /^250 /);
      const token = Buffer.from(`\0${this.account.user}\0${this.account.password}`).toString('base64');
      const r = await c.cmd(`AUTH PLAIN ${token}`, /^\d{3} /);
      if (r.text.startsWith('235 ')) this.log.ok('smtp-auth');
      else if (/^4/.test(r.text)) this.log.temp('smtp-auth', r.text);
      else this.log.bad('smtp-auth', r.text);
      await c.cmd('QUIT', /^\d{3} /);
    } finally {
      c.close();
    }
  }

  // ---- IMAP ---------------------------------------------------------------------------------

  /** Connects and logs in; null (recorded as temporary) when LOGIN answered NO [UNAVAILABLE]. */
  private async imapSession(name: string, user = this.account.user): Promise<LineClient | null> {
    const c = await LineClient.open(this.ports.imap);
    await c.until(/^\* OK/);
    const r = await c.cmd(`l LOGIN ${user} ${this.account.password}`, TAGGED('l'));
    if (r.text.startsWith('l OK')) return c;
    c.close();
    if (IMAP_TEMP.test(r.text)) this.log.temp(name, r.text);
    else this.log.bad(name, `LOGIN: ${r.text}`);
    return null;
  }

  /** The session of a loop: logged in (and INBOX selected); null when that failed for now. */
  private async imapConn(name: string, select: boolean): Promise<LineClient | null> {
    const known = this.conns.get(name);
    if (known && !known.closed) return known;
    const c = await this.imapSession(name);
    if (!c) return null;
    if (select) {
      const r = await c.cmd('s SELECT INBOX', TAGGED('s'));
      if (!r.text.startsWith('s OK')) {
        c.close();
        if (IMAP_TEMP.test(r.text)) this.log.temp(name, r.text);
        else this.log.bad(name, `SELECT: ${r.text}`);
        return null;
      }
    }
    this.conns.set(name, c);
    return c;
  }

  /** Runs one tagged command; true on OK (recorded when `record`), false on NO [UNAVAILABLE]. */
  private async tagged(name: string, c: LineClient, tag: string, text: string, record = true): Promise<{ ok: boolean; text: string }> {
    const r = await c.cmd(`${tag} ${text}`, TAGGED(tag));
    if (r.text.startsWith(`${tag} OK`)) {
      if (record) this.log.ok(name);
      return { ok: true, text: r.text };
    }
    if (IMAP_TEMP.test(r.text)) this.log.temp(name, r.text);
    else this.log.bad(name, `${text.split(/\r\n/)[0]!.slice(0, 40)}: ${r.text}`);
    return { ok: false, text: r.text };
  }

  private appendText(subject: string): string {
    const msg = this.account.mail(this.account.user, subject);
    return `APPEND INBOX {${Buffer.byteLength(msg)}+}\r\n${msg}`;
  }

  async imapAppend(): Promise<void> {
    const c = await this.imapConn('append', false);
    if (!c) return;
    const subject = this.subject('append');
    if ((await this.tagged('append', c, 'a', this.appendText(subject))).ok) this.acked.push(subject);
  }

  /** FETCH, STORE, then a victim: APPEND, \Deleted, UID EXPUNGE. */
  async imapReadWrite(): Promise<void> {
    const c = await this.imapConn('imap-rw', true);
    if (!c) return;
    if (!(await this.tagged('imap-rw', c, 'f', 'FETCH 1:5 (FLAGS)')).ok) return;
    if (!(await this.tagged('imap-rw', c, 's', 'STORE 1:2 +FLAGS.SILENT (\\Flagged)')).ok) return;
    const subject = this.subject('victim');
    const appended = await this.tagged('imap-rw', c, 'v', this.appendText(subject), false);
    const uid = /\[APPENDUID \d+ (\d+)\]/.exec(appended.text)?.[1];
    if (!appended.ok) return;
    if (!uid) throw new Error(`APPEND without APPENDUID: ${appended.text}`);
    if (!(await this.tagged('imap-rw', c, 'd', `UID STORE ${uid} +FLAGS.SILENT (\\Deleted)`, false)).ok) return;
    if ((await this.tagged('imap-rw', c, 'e', `UID EXPUNGE ${uid}`)).ok) this.victimsExpunged.push(subject);
  }

  /** LOGIN and LOGOUT on a new connection. */
  async imapLogin(): Promise<void> {
    const c = await this.imapSession('imap-login');
    if (!c) return;
    this.log.ok('imap-login');
    await c.cmd('o LOGOUT', TAGGED('o'));
    c.close();
  }

  async startIdle(): Promise<Idler> {
    const c = await this.imapSession('idle');
    if (!c) throw new Error('the IDLE client could not log in');
    const idler = new Idler(c);
    const r = await c.cmd('s SELECT INBOX', TAGGED('s'));
    if (!r.text.startsWith('s OK')) throw new Error(`SELECT: ${r.text}`);
    await c.cmd('i IDLE', /^\+ /);
    return idler;
  }

  /** Every subject in `user`'s INBOX with how many messages carry it. */
  async subjects(user: string): Promise<Map<string, number>> {
    const c = await this.imapSession('verify', user);
    if (!c) throw new Error(`cannot log in as ${user} to verify`);
    try {
      const r = await c.cmd('s SELECT INBOX', TAGGED('s'));
      if (!r.text.startsWith('s OK')) throw new Error(`SELECT: ${r.text}`);
      const from = c.lines.length;
      const f = await c.cmd('f FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])', TAGGED('f'));
      if (!f.text.startsWith('f OK')) throw new Error(`FETCH: ${f.text}`);
      const counts = new Map<string, number>();
      for (const line of c.since(from)) {
        const m = /^Subject: (\S+)$/.exec(line.text);
        if (m) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
      }
      return counts;
    } finally {
      c.close();
    }
  }

  // ---- POP3 ---------------------------------------------------------------------------------

  /** USER/PASS; true when logged in, false (recorded) when refused for now. */
  private async popLogin(name: string, c: LineClient, user: string): Promise<boolean> {
    await c.until(/^[+-]/);
    const u = await c.cmd(`USER ${user}`, /^[+-]/);
    if (!u.text.startsWith('+OK')) throw new Error(`USER: ${u.text}`);
    const p = await c.cmd(`PASS ${this.account.password}`, /^[+-]/);
    if (p.text.startsWith('+OK')) return true;
    if (/^-ERR \[(SYS\/TEMP|IN-USE)\]/.test(p.text)) this.log.temp(name, p.text);
    else this.log.bad(name, `PASS: ${p.text}`);
    return false;
  }

  /** RETR n: the message's subject, or null when refused (recorded). */
  private async retrSubject(name: string, c: LineClient, n: number): Promise<string | null> {
    const from = c.lines.length;
    const r = await c.cmd(`RETR ${n}`, /^[+-]/);
    if (!r.text.startsWith('+OK')) {
      if (r.text.startsWith('-ERR [SYS/TEMP]')) this.log.temp(name, r.text);
      else this.log.bad(name, `RETR: ${r.text}`);
      return null;
    }
    await c.until(/^\.$/);
    const subject = c.since(from).map((l) => /^Subject: (\S+)$/.exec(l.text)?.[1]).find((s) => s !== undefined);
    if (!subject) throw new Error('RETR: no Subject');
    return subject;
  }

  /** Login, STAT, RETR 1, DELE 1, QUIT, on a new connection. */
  async popSession(user: string): Promise<void> {
    const name = 'pop3';
    const c = await LineClient.open(this.ports.pop3);
    try {
      if (!(await this.popLogin(name, c, user))) {
        await c.cmd('QUIT', /^[+-]/);
        return;
      }
      const stat = await c.cmd('STAT', /^[+-]/);
      if (!stat.text.startsWith('+OK')) throw new Error(`STAT: ${stat.text}`);
      let subject: string | null = null;
      if (Number(stat.text.split(' ')[1]) > 0) {
        subject = await this.retrSubject(name, c, 1);
        if (subject !== null) {
          const dele = await c.cmd('DELE 1', /^[+-]/);
          if (!dele.text.startsWith('+OK')) throw new Error(`DELE: ${dele.text}`);
          this.popTried.add(subject);
        }
      }
      const quit = await c.cmd('QUIT', /^[+-]/);
      if (quit.text.startsWith('+OK')) {
        if (subject !== null) this.popDeleted.push(subject);
        this.log.ok(name);
      } else if (quit.text.startsWith('-ERR [SYS/TEMP]')) {
        this.log.temp(name, quit.text);
      } else {
        this.log.bad(name, `QUIT: ${quit.text}`);
      }
    } finally {
      c.close();
    }
  }

  /** A POP3 session that logs in, DELEs message 1 and keeps the lock until quit(). */
  async holdPopLock(user: string): Promise<PopHolder> {
    const c = await LineClient.open(this.ports.pop3);
    if (!(await this.popLogin('hold', c, user))) throw new Error('the lock holder could not log in');
    if ((await this.retrSubject('hold', c, 1)) === null) throw new Error('the lock holder could not RETR');
    const dele = await c.cmd('DELE 1', /^[+-]/);
    if (!dele.text.startsWith('+OK')) throw new Error(`DELE: ${dele.text}`);
    return new PopHolder(c);
  }

  // ---- web ----------------------------------------------------------------------------------

  /** Signs in; returns the session cookie. */
  async webSession(): Promise<string> {
    const r = await fetch(`http://127.0.0.1:${this.ports.http}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ address: this.account.user, password: this.account.password }),
    });
    if (r.status !== 200) throw new Error(`sign-in: ${r.status} ${await r.text()}`);
    return (r.headers.get('set-cookie') ?? '').split(';')[0]!;
  }

  async webGet(cookie: string): Promise<void> {
    const r = await fetch(`http://127.0.0.1:${this.ports.http}/api/mailboxes`, { headers: { cookie }, signal: AbortSignal.timeout(OP_TIMEOUT_MS) });
    const body = await r.text();
    if (r.status === 200) this.log.ok('web');
    else if (r.status === 503) this.log.temp('web', `503 ${body.slice(0, 120)}`);
    else this.log.bad('web', `${r.status} ${body.slice(0, 200)}`);
  }
}
