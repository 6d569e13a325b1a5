/**
 * Calls from an SMTP front-end process to the server process over the IPC channel node:cluster
 * opens between them (serialization 'advanced': Buffers, Maps and Dates cross as themselves).
 * A call names a path (`['messages', 'append']`) and its arguments; the answer comes back by id.
 * PkErrors keep their code across, so a front end answers a store outage or a full mailbox
 * exactly as the server process would.
 */
import { ERROR_CODES, PkError, type ErrorCode } from '../../core/errors.ts';

/** Either end of the channel: `process` in a worker, a cluster `Worker` in the server process. */
export interface IpcEndpoint {
  send(message: unknown): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

export interface WireError {
  readonly message: string;
  readonly code?: string;
}

export type RpcMessage =
  | { readonly pk: 'call'; readonly id: number; readonly path: readonly string[]; readonly args: readonly unknown[] }
  | { readonly pk: 'ret'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly pk: 'ret'; readonly id: number; readonly ok: false; readonly error: WireError };

function isRpcMessage(m: unknown): m is RpcMessage {
  return typeof m === 'object' && m !== null && ((m as { pk?: unknown }).pk === 'call' || (m as { pk?: unknown }).pk === 'ret');
}

export function toWire(err: unknown): WireError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { message: String(err) };
}

export function fromWire(e: WireError): Error {
  if (e.code !== undefined && Object.hasOwn(ERROR_CODES, e.code)) return new PkError(e.code as ErrorCode, e.message);
  const err = new Error(e.message);
  if (e.code !== undefined) Object.assign(err, { code: e.code });
  return err;
}

/** The channel to the server process is gone: the front end answers as for a store outage. */
export function channelClosed(): PkError {
  return new PkError('PK_ERR_STORE_UNAVAILABLE', 'the server process is not reachable');
}

export class RpcClient {
  #next = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #closed = false;

  constructor(private readonly endpoint: IpcEndpoint) {
    endpoint.on('message', this.#onMessage);
  }

  call(path: readonly string[], args: readonly unknown[]): Promise<unknown> {
    if (this.#closed) return Promise.reject(channelClosed());
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      try {
        this.endpoint.send({ pk: 'call', id, path, args } satisfies RpcMessage);
      } catch (err) {
        // Not serializable (a bug: only data crosses), or the channel just closed.
        this.#pending.delete(id);
        reject(err instanceof Error && !/channel closed/i.test(err.message) ? err : channelClosed());
      }
    });
  }

  /** Fails every call in flight and every later one (the channel closed). */
  close(): void {
    this.#closed = true;
    this.endpoint.off('message', this.#onMessage);
    for (const p of this.#pending.values()) p.reject(channelClosed());
    this.#pending.clear();
  }

  readonly #onMessage = (m: unknown): void => {
    if (!isRpcMessage(m) || m.pk !== 'ret') return;
    const p = this.#pending.get(m.id);
    if (!p) return;
    this.#pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(fromWire(m.error));
  };
}

export type Dispatch = (path: readonly string[], args: readonly unknown[]) => Promise<unknown>;

/** Answers the calls arriving on `endpoint`; returns the function that stops listening. */
export function serveRpc(endpoint: IpcEndpoint, dispatch: Dispatch): () => void {
  const onMessage = (m: unknown): void => {
    if (!isRpcMessage(m) || m.pk !== 'call') return;
    const reply = (r: RpcMessage): void => {
      try {
        endpoint.send(r);
      } catch {
        // The front end went away; its client fails the call itself.
      }
    };
    let result: Promise<unknown>;
    try {
      result = dispatch(m.path, m.args);
    } catch (err) {
      result = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    result.then(
      (value) => reply({ pk: 'ret', id: m.id, ok: true, value }),
      (err: unknown) => reply({ pk: 'ret', id: m.id, ok: false, error: toWire(err) }),
    );
  };
  endpoint.on('message', onMessage);
  return () => endpoint.off('message', onMessage);
}
