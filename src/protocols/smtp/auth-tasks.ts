/**
 * SPF, DKIM, DMARC and ARC verification itself (mailauth 4.13.3), as a worker-pool task:
 * authentication-results.ts runs it on a pool thread, whose DNS questions go back to the main
 * thread's resolver, or in-thread when the pool is off.
 */
import { createHash } from 'node:crypto';
import { authenticate, type DMARCResult, type SPFResult } from 'mailauth';
import { storeIndexTask, type StoreIndex } from '../../mime/index-tasks.ts';
import type { CallMain } from '../../mime/worker-pool.ts';
import type { AuthCheck, AuthCheckInput } from './authentication-results.ts';
import { systemDnsLookup, type DnsLookup } from './dns-resolver.ts';
import { unsignedHeaders, verifyUnsigned } from './unsigned-auth.ts';

/**
 * Which DNS a pool thread uses: node:dns with these servers and a cache of its own (what
 * production configures), or the main thread's function by its number (what tests put in).
 */
export type TaskDns = { readonly servers: readonly string[] } | { readonly mainId: number };

/** AuthCheckInput as it crosses to a pool thread. */
export interface VerifyTaskInput extends Omit<AuthCheckInput, 'dns' | 'raw'> {
  readonly raw: Uint8Array;
  readonly dns: TaskDns;
  /** Trace header(s) to put below the verification headers in the stored message. */
  readonly trace: string;
}

/** The verdict, and the stored message's MIME index computed on the same thread. */
export interface VerifyTaskResult {
  readonly auth: AuthCheck;
  /** SHA-256 (hex) of the stored bytes: auth.headers + trace + raw. */
  readonly hash: string;
  readonly index: StoreIndex;
}

function plainIp(ip: string): string {
  return ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

/**
 * Verifies with mailauth; an unsigned message takes the SPF + DMARC path of unsigned-auth.ts,
 * which gives the same headers without reading the body. Throws when mailauth does (the caller
 * records "none").
 */
export async function verifyMessage(input: AuthCheckInput): Promise<AuthCheck> {
  const ip = plainIp(input.remoteAddress);
  const headers = unsignedHeaders(input.raw);
  if (headers) {
    const args = { raw: input.raw, ip, helo: input.helo, sender: input.sender, mta: input.hostname, resolver: input.dns };
    const result = await verifyUnsigned(args, headers);
    return verdict(result.headers, result.spf, result.dkim.results, result.dmarc);
  }
  return verifyFully(input);
}

/** mailauth's `authenticate` over the whole message (DKIM and ARC included). */
export async function verifyFully(input: AuthCheckInput): Promise<AuthCheck> {
  const result = await authenticate(input.raw, {
    ip: plainIp(input.remoteAddress),
    helo: input.helo,
    sender: input.sender,
    mta: input.hostname,
    resolver: input.dns,
    disableBimi: true,
  });
  return verdict(result.headers, result.spf, result.dkim.results, result.dmarc);
}

function verdict(
  headers: string,
  spf: SPFResult | false,
  dkim: readonly { readonly status: { readonly result: string } }[],
  dmarc: DMARCResult | false,
): AuthCheck {
  const dmarcResult = dmarc ? dmarc.status.result : 'none';
  const policy = dmarc ? dmarc.policy : 'none';
  const quarantine = dmarcResult === 'fail' && (policy === 'reject' || policy === 'quarantine');
  const spfResult = spf ? spf.status.result : 'none';
  const dkimResult = dkim.map((r) => r.status.result).join(',') || 'none';
  return { headers, quarantine, summary: `spf=${spfResult} dkim=${dkimResult} dmarc=${dmarcResult} policy=${policy}` };
}

/** The message as stored: our verification headers and the trace on top (CRLF line ends). */
export function storedMessage(auth: AuthCheck, trace: string, raw: Buffer): Buffer {
  return Buffer.concat([Buffer.from(auth.headers + trace, 'utf8'), raw]);
}

/** The header a message gets when nothing could be verified. */
export function unverified(hostname: string): AuthCheck {
  return { headers: `Authentication-Results: ${hostname}; none\r\n`, quarantine: false, summary: 'error' };
}

/** One resolver (and cache) per set of servers, per thread. */
const resolvers = new Map<string, DnsLookup>();

function taskDns(dns: TaskDns, callMain: CallMain): DnsLookup {
  if ('mainId' in dns) return (name, rrtype) => callMain('smtp.dns', dns.mainId, name, rrtype) as ReturnType<DnsLookup>;
  const key = dns.servers.join(',');
  let lookup = resolvers.get(key);
  if (!lookup) {
    lookup = systemDnsLookup(dns.servers);
    resolvers.set(key, lookup);
  }
  return lookup;
}

/**
 * Verifies (a failure gives the "none" header; the error message is returned for the log), then
 * indexes the message as it will be stored, so that the store need not parse it again.
 */
export async function verifyTask(arg: unknown, callMain: CallMain): Promise<VerifyTaskResult & { readonly error?: string }> {
  const { dns, raw: bytes, trace, ...rest } = arg as VerifyTaskInput;
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let auth: AuthCheck;
  let error: string | undefined;
  try {
    auth = await verifyMessage({ ...rest, raw, dns: taskDns(dns, callMain) });
  } catch (err) {
    auth = unverified(rest.hostname);
    error = err instanceof Error ? err.message : String(err);
  }
  const stored = storedMessage(auth, trace, raw);
  const hash = createHash('sha256').update(stored).digest('hex');
  return { auth, hash, index: await storeIndexTask(stored), ...(error !== undefined ? { error } : {}) };
}
