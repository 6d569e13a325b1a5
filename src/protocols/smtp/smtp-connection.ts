/**
 * smtp-server's session class with the three things its options cannot express:
 *
 * - replies keep the enhanced status code we chose (`554 5.7.1`, `452 4.5.3`, `553 5.7.1`);
 *   the library would derive one from the reply code alone (554 → 5.6.0, 553 → 5.1.3);
 * - AUTH is left out of the EHLO answer where `auth.plaintext` forbids a password on this
 *   connection (before STARTTLS), and AUTH there is refused before any credentials are sent
 *   (`538 5.7.11`, RFC 4954 §6), instead of after the password crossed the wire;
 * - the root's connection id is the library's session id, so our log and its log line up;
 * - an over-long command line (smtp-server's parser stops there) gets a precise 421;
 * - the greeting goes out at once: the library waits 100 ms first to catch "early talkers",
 *   which caps a one-message-per-connection sender at 10 messages a second per connection
 *   (bench/smtp) and buys nothing on submission. Pregreet tests belong to a spam filter in
 *   front (e.g. postscreen), not to every connection of the mailbox server.
 */
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { SMTPServer } from 'smtp-server';
import type { Socket } from 'node:net';
import { ENHANCED_PREFIX } from './reply.ts';

export interface ConnectionPolicy {
  /** May a password be sent on this connection now? */
  passwordAllowed(secure: boolean): boolean;
}

export class SmtpConnection extends SMTPConnection {
  readonly #policy: ConnectionPolicy;

  constructor(server: SMTPServer, socket: Socket, options: { id: string; remoteAddress: string; remotePort: number }, policy: ConnectionPolicy) {
    super(server, socket, options);
    this.#policy = policy;
  }

  override init(): void {
    this._setListeners(() => {
      const max = this._server.options.maxClients;
      if (max && this._server.connections.size > max) {
        this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
        return;
      }
      this.connectionReady();
    });
  }

  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    if (code === 421 && data === 'Error: Command line too long') {
      // The parser cannot resume after an over-long line; say so precisely, then close.
      super.send(421, '4.5.2 command line too long; closing connection', false);
      return;
    }
    if (typeof data === 'string' && ENHANCED_PREFIX.test(data)) {
      super.send(code, data, false);
      return;
    }
    super.send(code, data, context);
  }

  override handler_EHLO(command: Buffer, callback: () => void): void {
    if (this.#policy.passwordAllowed(this.secure)) {
      super.handler_EHLO(command, callback);
      return;
    }
    // EHLO answers synchronously; the parser runs the next pipelined command only afterwards.
    const previous = this.session.disabledCommands;
    this.session.disabledCommands = [...(previous ?? []), 'AUTH'];
    try {
      super.handler_EHLO(command, callback);
    } finally {
      this.session.disabledCommands = previous;
    }
  }

  override handler_AUTH(command: Buffer, callback: () => void): void {
    if (!this.#policy.passwordAllowed(this.secure)) {
      this.send(538, '5.7.11 Encryption required for requested authentication mechanism; use STARTTLS first');
      callback();
      return;
    }
    super.handler_AUTH(command, callback);
  }
}
