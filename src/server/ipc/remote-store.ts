/**
 * The store and the outbound queue as an SMTP front-end process sees them: every call goes over
 * IPC to the server process, which owns the database, its single writer and the change feed
 * (store-dispatch.ts answers). The SMTP hooks and the delivery pipeline run unchanged on top.
 *
 * An append carries the MIME index of each message, computed here (the front end's CPU, not
 * the server process's), which the server process hands to its store by content hash.
 */
import { createHash } from 'node:crypto';
import { DELIVER_WHERE_STORED, type LocalDeliveryInput } from '../../delivery/local/deliver.ts';
import type { Outbound } from '../../delivery/outbound-port.ts';
import { storeIndexOf, type StoreIndex } from '../../mime/index-pool.ts';
import type { AppendInput, Store } from '../../store/ports.ts';
import type { RpcClient } from './rpc.ts';

/** An index computed by the front end, for the message whose SHA-256 is `hash`. */
export interface AheadIndex {
  readonly hash: string;
  readonly index: StoreIndex;
}

/** The path a front end appends through: `(accountId, mailboxId, inputs, ahead)`. */
export const APPEND_INDEXED = 'appendIndexed';
/** The local delivery pipeline, run in the server process: `(input, ahead)`. */
export const DELIVER_PATH = ['delivery', 'deliverLocally'] as const;

async function indexed(inputs: readonly AppendInput[]): Promise<AheadIndex[]> {
  return Promise.all(
    inputs.map(async (input) => {
      const hash = createHash('sha256').update(input.raw).digest('hex');
      return { hash, index: await storeIndexOf(input.raw, hash) };
    }),
  );
}

function remoteNamespace(rpc: RpcClient, ns: string): unknown {
  const methods = new Map<string, unknown>();
  return new Proxy(
    {},
    {
      get(_target, key) {
        // Not a thenable, not a symbol-keyed protocol: only named methods exist.
        if (typeof key !== 'string' || key === 'then') return undefined;
        let fn = methods.get(key);
        if (!fn) {
          if (ns === 'messages' && (key === 'append' || key === 'appendMany')) {
            const many = key === 'appendMany';
            fn = async (accountId: number, mailboxId: number, arg: AppendInput | readonly AppendInput[]) => {
              const inputs = many ? (arg as readonly AppendInput[]) : [arg as AppendInput];
              const results = (await rpc.call(['messages', APPEND_INDEXED], [accountId, mailboxId, inputs, await indexed(inputs)])) as unknown[];
              return many ? results : results[0];
            };
          } else {
            fn = (...args: unknown[]) => rpc.call([ns, key], args);
          }
          methods.set(key, fn);
        }
        return fn;
      },
    },
  );
}

/**
 * A Store whose namespaces call the server process. Only what the SMTP path uses is answered
 * there (store-dispatch.ts); the change feed and `close` are the server process's alone.
 */
export function remoteStore(rpc: RpcClient): Store {
  const namespaces = new Map<string, unknown>();
  // deliverLocally (delivery/local/deliver.ts) runs there in one call: settings, mailbox,
  // forwarding and the append, instead of a round trip for each.
  const deliver = async (input: LocalDeliveryInput): Promise<unknown> => rpc.call(DELIVER_PATH, [input, await indexed([input])]);
  return new Proxy({} as Store, {
    get(_target, key) {
      if (key === DELIVER_WHERE_STORED) return deliver;
      if (typeof key !== 'string' || key === 'then') return undefined;
      let ns = namespaces.get(key);
      if (!ns) {
        ns = remoteNamespace(rpc, key);
        namespaces.set(key, ns);
      }
      return ns;
    },
  });
}

export function remoteOutbound(rpc: RpcClient): Outbound {
  return { enqueue: (message) => rpc.call(['outbound', 'enqueue'], [message]) as ReturnType<Outbound['enqueue']> };
}
