/**
 * Structured logging (pino). One root logger per process; every connection gets a child with
 * `{proto, cid}` (and `user` once logged in). Password fields are redacted by path before any
 * line is written, and message bodies have no place in a log: the `body`/`raw` fields are
 * censored too, so a careless `log.debug({ raw })` cannot leak mail.
 */
import { Writable } from 'node:stream';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config-schema.ts';

export type { Logger };

const SECRET_FIELDS = [
  'password',
  'pass',
  'passwd',
  'newPassword',
  'passwordHash',
  'hash',
  'secret',
  'token',
  'authorization',
  'cookie',
  'sasl',
  'body',
  'raw',
];

/** Paths pino censors: each field at the top level and one level down (`{ auth: { password } }`). */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  'req.headers.authorization',
  'req.headers.cookie',
];

export const REDACTED = '[redacted]';

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Where JSON lines go; stderr (fd 2, synchronous, so nothing is lost at exit) by default. */
  readonly destination?: DestinationStream | NodeJS.WritableStream;
  /** One human line per record instead of JSON (for a terminal). */
  readonly pretty?: boolean;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  let dest: DestinationStream | NodeJS.WritableStream =
    opts.destination ?? pino.destination({ fd: 2, sync: true });
  if (opts.pretty) dest = prettyLines(dest);
  return pino(
    {
      name: 'postkontor',
      level: opts.level ?? 'info',
      base: { pid: process.pid },
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      serializers: { err: pino.stdSerializers.err },
    },
    dest,
  );
}

/** The logger of one connection: every line carries the protocol and the connection id. */
export function connectionLogger(root: Logger, proto: string, cid: string): Logger {
  return root.child({ proto, cid });
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'proto', 'cid']);

/** `12:00:01 INFO  imap/k3x9 connection opened remote=127.0.0.1` from pino's JSON lines. */
function prettyLines(out: DestinationStream | NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        let rec: Record<string, unknown>;
        try {
          rec = JSON.parse(line) as Record<string, unknown>;
        } catch {
          out.write(`${line}\n`);
          continue;
        }
        const time = new Date(Number(rec.time)).toTimeString().slice(0, 8);
        const level = (LEVEL_NAMES[Number(rec.level)] ?? String(rec.level)).padEnd(5);
        const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
        const who = rec.proto ? ` ${str(rec.proto)}/${str(rec.cid)}` : '';
        const extra = Object.entries(rec)
          .filter(([k]) => !SKIP.has(k))
          .map(([k, v]) => `${k}=${str(v)}`)
          .join(' ');
        out.write(`${time} ${level}${who} ${str(rec.msg ?? '')}${extra ? ` ${extra}` : ''}\n`);
      }
      done();
    },
  });
}
