/**
 * One SMTP transaction to one host with nodemailer's SMTPConnection: connect, STARTTLS (as the
 * hop asks), AUTH for the relay, MAIL/RCPT/DATA, QUIT; the result per recipient. A hop that
 * cannot be reached or talked to says so (`reached: false`), and the caller tries the next one.
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { NodemailerError } from 'nodemailer/lib/errors';
import type { Readable } from 'node:stream';
import type { QueueDsn } from '../../store/ports.ts';
import type { Hop } from './route.ts';

export type RecipientState = 'delivered' | 'failed' | 'deferred';

export interface RecipientOutcome {
  readonly address: string;
  readonly state: RecipientState;
  /** The server's reply (or our SMTP-shaped description of what went wrong). */
  readonly reply: string;
  /** The host that answered, for the DSN's Remote-MTA field. */
  readonly remoteMta?: string;
}

export type AttemptResult =
  | { readonly reached: true; readonly outcomes: readonly RecipientOutcome[] }
  | { readonly reached: false; readonly reply: string };

export interface AttemptInput {
  readonly hop: Hop;
  /** Our name in EHLO. */
  readonly helo: string;
  readonly sender: string;
  readonly recipients: readonly string[];
  readonly size: number;
  readonly message: () => Readable;
  readonly dsn?: QueueDsn | null;
  readonly timeouts?: { readonly connectMs?: number; readonly socketMs?: number };
}

function stateOf(code: number | undefined): RecipientState {
  if (code === undefined) return 'deferred';
  return code >= 500 && code !== 503 ? 'failed' : code >= 200 && code < 300 ? 'delivered' : 'deferred';
}

function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ').trim();
}

export function attemptDelivery(input: AttemptInput): Promise<AttemptResult> {
  const { hop } = input;
  const where = `${hop.host}:${hop.port}`;
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const conn = new SMTPConnection({
      host: hop.host,
      port: hop.port,
      name: input.helo,
      secure: hop.kind === 'relay' && hop.port === 465,
      requireTLS: hop.requireTls,
      opportunisticTLS: !hop.requireTls,
      tls: { rejectUnauthorized: hop.verifyTls, minVersion: 'TLSv1.2' },
      connectionTimeout: input.timeouts?.connectMs ?? 30_000,
      greetingTimeout: input.timeouts?.connectMs ?? 30_000,
      socketTimeout: input.timeouts?.socketMs ?? 5 * 60_000,
      socketCloseTimeout: 0,
      logger: false,
    });
    const finish = (result: AttemptResult): void => {
      if (settled) return;
      settled = true;
      if (result.reached) conn.quit();
      else conn.close();
      resolve(result);
    };
    const unreachable = (err: NodemailerError, stage: string): void => {
      const reply = err.response ? oneLine(err.response) : `451 4.4.1 ${stage} ${where} failed: ${oneLine(err.message)}`;
      finish({ reached: false, reply });
    };
    const everyone = (state: RecipientState, reply: string): RecipientOutcome[] =>
      input.recipients.map((address) => ({ address, state, reply, remoteMta: hop.host }));
    conn.on('error', (err: NodemailerError) => unreachable(err, 'connection to'));
    conn.connect((err) => {
      if (err) return unreachable(err, 'connection to');
      if (hop.auth) {
        conn.login({ user: hop.auth.user, pass: hop.auth.pass }, (authErr) => {
          // A refused password is the relay's verdict on every recipient: 535 fails them all,
          // anything else (454, a dropped link) waits for the next attempt.
          if (authErr) {
            const reply = authErr.response ? oneLine(authErr.response) : `454 4.7.0 AUTH at ${where} failed: ${oneLine(authErr.message)}`;
            return finish({ reached: true, outcomes: everyone(stateOf(authErr.responseCode ?? 454), reply) });
          }
          send();
        });
      } else {
        send();
      }
    });
    const send = (): void => {
      const notify = (address: string): string[] | undefined => {
        const list = input.dsn?.notify?.[address];
        return list ? [...list] : undefined;
      };
      const dsn = input.dsn
        ? {
            ...(input.dsn.ret ? { ret: input.dsn.ret } : {}),
            ...(input.dsn.envid ? { envid: input.dsn.envid } : {}),
            // nodemailer sends one NOTIFY for all recipients; we pass the first recipient's.
            ...(input.recipients[0] && notify(input.recipients[0]) ? { notify: notify(input.recipients[0]) } : {}),
          }
        : undefined;
      conn.send(
        {
          from: input.sender === '' ? false : input.sender,
          to: [...input.recipients],
          size: input.size,
          ...(dsn ? { dsn } : {}),
        },
        input.message(),
        (err, info) => {
          if (err) {
            if (err.rejectedErrors && err.rejectedErrors.length > 0 && err.command === 'RCPT TO') {
              return finish({ reached: true, outcomes: perRecipient([], err.rejectedErrors, '') });
            }
            if (err.responseCode !== undefined) {
              return finish({ reached: true, outcomes: everyone(stateOf(err.responseCode), oneLine(err.response ?? err.message)) });
            }
            // The link broke mid-transaction: nobody is known to have the message.
            return finish({ reached: true, outcomes: everyone('deferred', `451 4.4.2 ${where}: ${oneLine(err.message)}`) });
          }
          finish({ reached: true, outcomes: perRecipient(info.accepted, info.rejectedErrors ?? [], oneLine(info.response)) });
        },
      );
    };
    const perRecipient = (accepted: readonly string[], rejected: readonly NodemailerError[], okReply: string): RecipientOutcome[] => {
      const out = new Map<string, RecipientOutcome>();
      for (const a of accepted) out.set(a, { address: a, state: 'delivered', reply: okReply, remoteMta: hop.host });
      for (const e of rejected) {
        if (!e.recipient) continue;
        out.set(e.recipient, {
          address: e.recipient,
          state: stateOf(e.responseCode),
          reply: oneLine(e.response ?? e.message),
          remoteMta: hop.host,
        });
      }
      // Anyone the server never answered for waits for the next attempt.
      return input.recipients.map(
        (address) => out.get(address) ?? { address, state: 'deferred' as const, reply: `451 4.4.2 ${where}: no reply for this recipient` },
      );
    };
  });
}
