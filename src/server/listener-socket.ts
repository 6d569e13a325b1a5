/**
 * What happens between a listener's raw TCP socket and the protocol: the PROXY protocol header
 * from a trusted load balancer (cleartext, before anything else), then the TLS handshake on
 * implicit-TLS listeners, on the same socket.
 *
 * PROXY rules ([proxy] in the config):
 * - Off by default. On a listener it is enabled for, only peers in `trusted` are asked for a
 *   header; anyone else is served as if PROXY were off (their own address counts).
 * - A trusted peer must send a v1 or v2 header within PROXY_HEADER_TIMEOUT_MS; if it sends none
 *   (timeout, or it closes first) or a malformed one, the connection is closed and logged at info.
 *   A trusted balancer that talks to us without a header is misconfigured, and guessing would
 *   hand its address to every client behind it (rate limits, logs).
 * - LOCAL (v2) and UNKNOWN (v1) headers carry no client: the balancer's own address stands.
 * - Bytes after the header go back onto the socket untouched (`unshift`) for TLS or the protocol.
 */
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Cidr } from '../core/ip-address.ts';
import { anyCidrContains } from '../core/ip-address.ts';
import type { Logger } from '../core/log.ts';
import { parseProxyHeader, type ProxyHeader } from '../core/proxy-protocol.ts';
import { PROXIED_VIA } from './protocol.ts';

/** How long a trusted peer has to send its PROXY header. */
export const PROXY_HEADER_TIMEOUT_MS = 5_000;
/** How long an implicit-TLS client has to finish the handshake (node's tls.Server default). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 120_000;

export class ProxyHeaderError extends Error {
  override readonly name = 'ProxyHeaderError';
}

/**
 * Reads one PROXY header from the start of `socket` (paused mode, so nothing is lost to a missing
 * 'data' listener) and puts every byte after it back. Rejects with ProxyHeaderError on a
 * malformed header, a timeout, or the peer closing first.
 */
export function readProxyHeader(socket: Socket, timeoutMs = PROXY_HEADER_TIMEOUT_MS): Promise<ProxyHeader> {
  return new Promise((resolve, reject) => {
    let buffered: Buffer = Buffer.alloc(0);
    const done = (err: Error | null, header?: ProxyHeader, rest?: Buffer): void => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      if (err || !header) {
        reject(err ?? new ProxyHeaderError('no PROXY header'));
        return;
      }
      if (rest && rest.length > 0) socket.unshift(rest);
      resolve(header);
    };
    const onReadable = (): void => {
      for (;;) {
        const chunk = socket.read() as Buffer | null;
        if (chunk === null) return;
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        const r = parseProxyHeader(buffered);
        if (r.status === 'incomplete') continue;
        if (r.status === 'invalid') return done(new ProxyHeaderError(r.reason));
        return done(null, r.header, buffered.subarray(r.header.length));
      }
    };
    const onEnd = (): void => done(new ProxyHeaderError('connection closed before a complete PROXY header'));
    const timer = setTimeout(
      () => done(new ProxyHeaderError(`no PROXY header within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    socket.on('readable', onReadable);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
  });
}

/** Server side of implicit TLS on an accepted (and possibly PROXY-read) socket. */
function tlsHandshake(raw: Socket, secureContext: SecureContext, timeoutMs: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const tls = new TLSSocket(raw, { isServer: true, secureContext });
    const fail = (err: Error): void => {
      clearTimeout(timer);
      tls.destroy();
      reject(err);
    };
    const onClose = (): void => fail(new Error('closed during the TLS handshake'));
    const timer = setTimeout(() => fail(new Error('TLS handshake timed out')), timeoutMs);
    tls.once('error', fail);
    tls.once('close', onClose);
    tls.once('secure', () => {
      clearTimeout(timer);
      tls.off('error', fail);
      tls.off('close', onClose);
      resolve(tls);
    });
  });
}

export interface ListenerSocketOptions {
  /** Peers that may (and then must) send a PROXY header here; null: PROXY off on this listener. */
  readonly proxyFrom: readonly Cidr[] | null;
  /** Implicit TLS with this context; null: plain (the protocol may STARTTLS later). */
  readonly tls: SecureContext | null;
  readonly log: Logger;
  readonly proxyTimeoutMs?: number;
  readonly handshakeTimeoutMs?: number;
}

export interface ReadySocket {
  /** The socket the protocol talks on: the TLS socket on implicit-TLS listeners. */
  readonly socket: Socket;
  readonly secure: boolean;
  /** The client's address: the PROXY header's source, or the socket's peer. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The balancer's address when a PROXY header named the client. */
  readonly via: string | null;
}

/**
 * Turns an accepted TCP socket into one ready for a protocol, or null once it has been closed
 * (bad or missing PROXY header, failed TLS handshake; each logged).
 */
export async function prepareListenerSocket(raw: Socket, opts: ListenerSocketOptions): Promise<ReadySocket | null> {
  const peer = raw.remoteAddress ?? '';
  // Until the protocol adds its own: a reset during the header or handshake must not go unhandled.
  raw.on('error', (err) => opts.log.debug({ err: err.message, remote: peer }, 'socket error before the protocol'));
  let remoteAddress = peer;
  let remotePort = raw.remotePort ?? 0;
  let via: string | null = null;
  if (opts.proxyFrom && anyCidrContains(opts.proxyFrom, peer)) {
    try {
      const header = await readProxyHeader(raw, opts.proxyTimeoutMs);
      if (header.endpoints) {
        remoteAddress = header.endpoints.sourceAddress;
        remotePort = header.endpoints.sourcePort;
        via = peer;
      }
    } catch (err) {
      opts.log.info({ remote: peer, port: raw.remotePort, reason: (err as Error).message }, 'PROXY header refused; closing');
      raw.destroy();
      return null;
    }
  }
  let socket: Socket = raw;
  if (opts.tls) {
    try {
      socket = await tlsHandshake(raw, opts.tls, opts.handshakeTimeoutMs ?? TLS_HANDSHAKE_TIMEOUT_MS);
    } catch (err) {
      opts.log.debug({ err: (err as Error).message, remote: remoteAddress }, 'TLS handshake failed');
      raw.destroy();
      return null;
    }
  }
  if (via !== null) {
    // Code that reads the socket itself (node's http server: req.socket.remoteAddress) sees the
    // client too, not the balancer.
    Object.defineProperty(socket, 'remoteAddress', { value: remoteAddress, configurable: true });
    Object.defineProperty(socket, 'remotePort', { value: remotePort, configurable: true });
    Object.defineProperty(socket, PROXIED_VIA, { value: via, configurable: true });
  }
  return { socket, secure: opts.tls !== null, remoteAddress, remotePort, via };
}
