/**
 * SPF, DKIM, DMARC and ARC verification of an inbound message (mailauth 4.13.3), giving the
 * Authentication-Results (RFC 8601) and Received-SPF headers to prepend, and the one decision
 * delivery needs from it.
 *
 * DMARC policy: a message that fails DMARC of a domain publishing p=reject or p=quarantine is
 * accepted and filed into the recipient's Junk folder, never refused at SMTP time. Refusing
 * loses legitimate mail that mailing lists and forwarders break (and the sender rarely sees the
 * bounce); Junk keeps it findable while out of the INBOX. `pct` is not sampled: Junk costs little.
 */
import type { Logger } from '../../core/log.ts';
import { rememberStoreIndex } from '../../mime/index-pool.ts';
import { PoolUnavailable, POOL_MIN_BYTES, registerMainService, runOnPool } from '../../mime/worker-pool.ts';
import { systemDnsServers, type DnsLookup } from './dns-resolver.ts';
import {
  storedMessage,
  unverified,
  verifyMessage,
  type TaskDns,
  type VerifyTaskInput,
  type VerifyTaskResult,
} from './auth-tasks.ts';

export interface AuthCheckInput {
  readonly raw: Buffer;
  readonly remoteAddress: string;
  readonly helo: string;
  /** Envelope sender; '' for the null reverse-path (SPF then checks the HELO name). */
  readonly sender: string;
  /** Our hostname: the authserv-id of the header. */
  readonly hostname: string;
  readonly dns: DnsLookup;
}

export interface AuthCheck {
  /** Header lines with CRLFs, ready to prepend. */
  readonly headers: string;
  /** DMARC failed under p=reject or p=quarantine. */
  readonly quarantine: boolean;
  /** `dmarc=pass` etc., for the log. */
  readonly summary: string;
}

/**
 * DNS functions the tests put in, by number: a pool thread asks this thread's function. (The
 * production resolver is rebuilt on the pool thread instead: see TaskDns.)
 */
const lookups = new Map<number, DnsLookup>();
const lookupIds = new WeakMap<DnsLookup, number>();
registerMainService('smtp.dns', (id, name, rrtype) => {
  const lookup = lookups.get(id as number);
  if (!lookup) return Promise.reject(new Error('unknown DNS function'));
  return lookup(String(name), String(rrtype));
});

function taskDns(dns: DnsLookup): TaskDns {
  const servers = systemDnsServers(dns);
  if (servers) return { servers };
  let id = lookupIds.get(dns);
  if (id === undefined) {
    id = lookups.size + 1;
    lookups.set(id, dns);
    lookupIds.set(dns, id);
  }
  return { mainId: id };
}

/** The worker-pool task module (index.ts warms the pool with it). */
export const AUTH_TASKS = new URL('./auth-tasks.ts', import.meta.url).href;

export interface VerifiedMessage {
  readonly auth: AuthCheck;
  /** The message to store: our verification headers, `trace`, then the message as received. */
  readonly stored: Buffer;
}

/**
 * Verifies the message and builds what is stored. For a message of POOL_MIN_BYTES or more, the
 * SPF/DKIM/DMARC work and the MIME index of the stored message (handed to the store by content
 * hash: mime/index-pool.ts) are done on a worker thread; smaller ones, and all when the pool is
 * off, here (the store then indexes in this thread too). Never rejects: a message that cannot be
 * verified is stored with `Authentication-Results: <host>; none`.
 */
export async function verifyForDelivery(input: AuthCheckInput, trace: string, log: Logger): Promise<VerifiedMessage> {
  const { dns, raw, ...rest } = input;
  if (raw.byteLength < POOL_MIN_BYTES) {
    const auth = await checkAuthentication(input, log);
    return { auth, stored: storedMessage(auth, trace, raw) };
  }
  // A view into a larger buffer would clone all of it.
  const bytes = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : Uint8Array.prototype.slice.call(raw);
  const arg: VerifyTaskInput = { ...rest, raw: bytes, dns: taskDns(dns), trace };
  let auth: AuthCheck;
  try {
    const done = (await runOnPool(AUTH_TASKS, 'verifyTask', arg)) as VerifyTaskResult & { readonly error?: string };
    if (done.error !== undefined) log.warn({ err: done.error }, 'message authentication failed; delivering without results');
    rememberStoreIndex(done.hash, done.index);
    auth = done.auth;
  } catch (err) {
    if (!(err instanceof PoolUnavailable)) log.warn({ err }, 'verification on the worker pool failed; verifying here');
    auth = await checkAuthentication(input, log);
  }
  return { auth, stored: storedMessage(auth, trace, raw) };
}

/** Verifies in this thread. */
export async function checkAuthentication(input: AuthCheckInput, log: Logger): Promise<AuthCheck> {
  try {
    return await verifyMessage(input);
  } catch (err) {
    // Verification must never cost a message: record that nothing could be checked.
    log.warn({ err }, 'message authentication failed; delivering without results');
    return unverified(input.hostname);
  }
}
