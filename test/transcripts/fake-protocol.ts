/**
 * A tiny scripted IMAP-like protocol, used only to test the transcript runner itself: it frames
 * lines and literals the way IMAP does (so chunked and pipelined writes matter), and has commands
 * that misbehave on purpose (extra output, no answer, random order) so the runner's failure
 * reports can be tested.
 */
import type { Socket } from 'node:net';
import type { Connection, ProtocolFactory } from '../../src/server/protocol.ts';

const CAPS = 'IMAP4rev1 FAKE LITERAL+';
const MAX_LITERAL = 1000;

interface FakeSession {
  readonly socket: Socket;
  idleTag: string | null;
}

export const fakeProtocol: ProtocolFactory = () => {
  const sessions = new Set<FakeSession>();
  let uidValidity = 1000 + Math.floor(Math.random() * 1000);
  return {
    starttls: false,
    handle(conn: Connection) {
      const s: FakeSession = { socket: conn.socket, idleTag: null };
      sessions.add(s);
      conn.socket.once('close', () => sessions.delete(s));
      const out = (line: string | Buffer): void => {
        if (!conn.socket.destroyed) conn.socket.write(typeof line === 'string' ? `${line}\r\n` : line);
      };
      out(`* OK [CAPABILITY ${CAPS}] fake ready`);

      let buf = Buffer.alloc(0);
      let parts: (string | Buffer)[] = [];
      let literal: { n: number; discard: boolean } | null = null;

      const command = (): void => {
        const cmd = parts;
        parts = [];
        const first = typeof cmd[0] === 'string' ? cmd[0] : '';
        const [tag = '*', verb = '', ...rest] = first.split(' ');
        const arg = rest.join(' ');
        if (s.idleTag) {
          if (first.toUpperCase() === 'DONE') out(`${s.idleTag} OK IDLE done`);
          else out(`${s.idleTag} BAD expected DONE`);
          s.idleTag = null;
          return;
        }
        switch (verb.toUpperCase()) {
          case 'CAPABILITY':
            out(`* CAPABILITY ${CAPS}`);
            out(`${tag} OK done`);
            return;
          case 'LOGIN':
            out(/ "?secret"?$/.test(arg) ? `${tag} OK [CAPABILITY ${CAPS} AFTERLOGIN] Logged in` : `${tag} NO [AUTHENTICATIONFAILED] Invalid credentials`);
            return;
          case 'ECHO':
            // Echoes the command, literals re-framed as server literals.
            out(
              Buffer.concat([
                ...cmd.flatMap((p, i) => {
                  if (Buffer.isBuffer(p)) return [p];
                  const text = (i === 0 ? `* ECHO ${arg}` : p).replace(/\{(\d+)\+\}$/, '{$1}');
                  return [Buffer.from(text), Buffer.from(/\{\d+\}$/.test(text) ? '\r\n' : '')];
                }),
                Buffer.from('\r\n'),
              ]),
            );
            out(`${tag} OK done`);
            return;
          case 'LEN': {
            const n = cmd.filter((p) => Buffer.isBuffer(p)).reduce((a, p) => a + p.length, 0);
            out(`* LEN ${n}`);
            out(`${tag} OK done`);
            return;
          }
          case 'TOKEN':
            out(`* OK [UIDVALIDITY ${uidValidity}] random`);
            out(`${tag} OK done`);
            return;
          case 'BUMP':
            uidValidity++;
            out(`${tag} OK bumped`);
            return;
          case 'NOISE':
            out(`${tag} OK done`);
            out('* EXTRA unexpected');
            return;
          case 'HANG':
            return;
          case 'SHUFFLE': {
            const lines = ['* 1 THING', '* 2 THING', '* 3 THING'];
            lines.sort(() => Math.random() - 0.5);
            lines.forEach((l) => out(l));
            out(`${tag} OK done`);
            return;
          }
          case 'BROADCAST':
            for (const other of sessions) if (other !== s) other.socket.write(`* BROADCAST ${arg}\r\n`);
            out(`${tag} OK sent`);
            return;
          case 'IDLE':
            s.idleTag = tag;
            out('+ idling');
            return;
          case 'LOGOUT':
            out('* BYE fake logging out');
            out(`${tag} OK LOGOUT completed`);
            conn.socket.end();
            return;
          default:
            out(`${tag} BAD unknown command`);
        }
      };

      const pump = (): void => {
        for (;;) {
          if (literal) {
            if (buf.length < literal.n) return;
            if (!literal.discard) parts.push(buf.subarray(0, literal.n));
            buf = buf.subarray(literal.n);
            literal = null;
            continue;
          }
          const at = buf.indexOf('\r\n');
          if (at < 0) return;
          const line = buf.subarray(0, at).toString('utf8');
          buf = buf.subarray(at + 2);
          const lit = /\{(\d+)(\+?)\}$/.exec(line);
          parts.push(line);
          if (!lit) {
            command();
            continue;
          }
          const n = Number(lit[1]);
          const tag = (typeof parts[0] === 'string' ? parts[0] : '').split(' ')[0] ?? '*';
          if (n > MAX_LITERAL && lit[2] !== '+') {
            out(`${tag} NO [TOOBIG] literal too big`);
            parts = [];
            continue;
          }
          literal = { n, discard: false };
          if (lit[2] !== '+') out('+ go ahead');
        }
      };
      conn.socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        pump();
      });
    },
  };
};
