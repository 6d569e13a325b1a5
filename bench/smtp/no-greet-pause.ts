/**
 * Diagnosis preload for the SMTP bench (BENCH_SMTP_GREET_PAUSE=0; the server's own code is
 * untouched): smtp-server waits a fixed 100 ms after accepting a connection before its 220
 * greeting (SMTPConnection.init, "a small delay for detecting early talkers"), which caps a
 * client that opens one connection per message at 10 messages/s per connection. This preload
 * replaces that pause with a setImmediate, to show what the rest of the server can do.
 */
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

SMTPConnection.prototype.init = function (this: SMTPConnection): void {
  this._setListeners(() => {
    const max = this._server.options.maxClients;
    if (max && this._server.connections.size > max) {
      this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
      return;
    }
    setImmediate(() => this.connectionReady());
  });
};
