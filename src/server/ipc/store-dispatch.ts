/**
 * The server process's side of remote-store.ts: runs an SMTP front end's store and outbound
 * calls on the real ones. Only the namespaces the SMTP path needs are reachable (not the change
 * feed, web sessions, POP3 locks or `close`), and only their own methods.
 */
import { deliverLocally, type LocalDeliveryInput } from '../../delivery/local/deliver.ts';
import type { Outbound } from '../../delivery/outbound-port.ts';
import type { Logger } from '../../core/log.ts';
import { PkError } from '../../core/errors.ts';
import { rememberStoreIndex } from '../../mime/index-pool.ts';
import type { AppendInput, Store } from '../../store/ports.ts';
import { APPEND_INDEXED, DELIVER_PATH, type AheadIndex } from './remote-store.ts';
import type { Dispatch } from './rpc.ts';

/** Store namespaces an SMTP front end may call. */
const REACHABLE = new Set(['domains', 'accounts', 'aliases', 'settings', 'mailboxes', 'messages', 'loginFailures', 'sendLog', 'dkimKeys']);

function refuse(path: readonly string[]): never {
  throw new PkError('PK_ERR_USAGE', `not callable from an SMTP process: ${path.join('.')}`);
}

export function storeDispatch(store: Store, outbound: Outbound | undefined, log: Logger): Dispatch {
  return async (path, args) => {
    const [ns, method] = path;
    if (path.length !== 2 || ns === undefined || method === undefined) refuse(path);
    if (ns === DELIVER_PATH[0] && method === DELIVER_PATH[1]) {
      const [input, ahead] = args as [LocalDeliveryInput, AheadIndex[]];
      for (const a of ahead) rememberStoreIndex(a.hash, a.index);
      return deliverLocally({ store, log, outbound }, input);
    }
    if (ns === 'outbound') {
      if (method !== 'enqueue' || !outbound) refuse(path);
      return outbound.enqueue(args[0] as Parameters<Outbound['enqueue']>[0]);
    }
    if (!REACHABLE.has(ns)) refuse(path);
    const target = (store as unknown as Record<string, Record<string, unknown>>)[ns];
    if (ns === 'messages' && method === APPEND_INDEXED) {
      const [accountId, mailboxId, inputs, ahead] = args as [number, number, AppendInput[], AheadIndex[]];
      // The store finds each index by the hash of the bytes it is given (mime/index-pool.ts).
      for (const a of ahead) rememberStoreIndex(a.hash, a.index);
      return store.messages.appendMany(accountId, mailboxId, inputs);
    }
    const fn = target?.[method];
    // Methods of the namespace itself: not Object.prototype's, not the constructor.
    if (typeof fn !== 'function' || method in Object.prototype || method.startsWith('_')) refuse(path);
    return (fn as (...a: unknown[]) => unknown).apply(target, args as unknown[]);
  };
}
