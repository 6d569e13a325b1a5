/**
 * Password login, shared by every protocol. It reads the account, its hash and its settings from
 * the store on every attempt, so users, passwords and settings changed with the CLI (or the web)
 * take effect at the next login without a server restart. Only the costly argon2 check of a
 * password that just verified against the same stored hash is skipped (verify-cache.ts).
 */
import type { PlaintextPolicy } from '../core/config-schema.ts';
import { parseAddress } from '../core/address.ts';
import type { Store } from '../store/ports.ts';
import type { Account } from '../store/types.ts';
import type { LoginLimiter } from './login-limiter.ts';
import { verifyPassword } from './password.ts';
import { plaintextAllowed, type ConnectionSecurity } from './plaintext-policy.ts';
import { VerifyCache } from './verify-cache.ts';

/** One process is one node: its logins share one memory of recent successful checks. */
const processVerifyCache = new VerifyCache();

export type LoginProtocol = 'imap' | 'pop3' | 'submission' | 'http';

export type LoginResult =
  | { readonly ok: true; readonly account: Account }
  | {
      readonly ok: false;
      /**
       * `insecure`: refused before looking at the password (policy); `credentials`: unknown user
       * or wrong password (never say which); `disabled`: right password, protocol switched off.
       */
      readonly reason: 'insecure' | 'credentials' | 'disabled' | 'rate-limited';
      /** For `rate-limited`: when to try again. */
      readonly retryAfterMs?: number;
    };

export interface LoginAttempt {
  readonly protocol: LoginProtocol;
  readonly login: string;
  readonly password: string;
  readonly connection: ConnectionSecurity;
  readonly policy: PlaintextPolicy;
  /** The node's shared failed-login limiter (absent: no rate limit, e.g. the CLI). */
  readonly limiter?: LoginLimiter;
  /**
   * Memory of recent successful checks; by default the process's own (one process is one node),
   * `null` for argon2 every time.
   */
  readonly verifyCache?: VerifyCache | null;
}

export async function loginWithPassword(store: Store, attempt: LoginAttempt): Promise<LoginResult> {
  if (!plaintextAllowed(attempt.policy, attempt.connection)) return { ok: false, reason: 'insecure' };
  const remote = attempt.connection.remoteAddress ?? '';
  const wait = (await attempt.limiter?.retryAfter(remote, attempt.login)) ?? 0;
  if (wait > 0) return { ok: false, reason: 'rate-limited', retryAfterMs: wait };
  let address: string | null;
  try {
    address = parseAddress(attempt.login).address;
  } catch {
    address = null;
  }
  const found = address === null ? null : await store.accounts.passwordHash(address);
  const cache = attempt.verifyCache === undefined ? processVerifyCache : (attempt.verifyCache ?? undefined);
  const cached = found !== null && cache !== undefined && cache.has(found.account.address, found.hash, attempt.password);
  const good = cached || (await verifyPassword(found?.hash ?? null, attempt.password));
  if (good && found && cache && !cached) cache.remember(found.account.address, found.hash, attempt.password);
  // Failures are counted once known: counting attempts in flight would refuse a client that
  // opens many connections at once with the right password. Attempts already in flight when the
  // limit is reached still finish; each connection closes after three failures anyway.
  if (!good || !found) {
    await attempt.limiter?.recordFailure(remote, attempt.login);
    return { ok: false, reason: 'credentials' };
  }
  await attempt.limiter?.recordSuccess(remote);
  // A disabled account looks like a failed login: nothing about it is revealed.
  if (found.account.disabled) return { ok: false, reason: 'credentials' };
  const { values } = await store.settings.get(found.account.id);
  if (attempt.protocol === 'imap' && !values['imap.enabled']) return { ok: false, reason: 'disabled' };
  if (attempt.protocol === 'pop3' && values['pop.enabled'] === 'off') {
    return { ok: false, reason: 'disabled' };
  }
  return { ok: true, account: found.account };
}
