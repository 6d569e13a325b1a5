/**
 * May one more message of `size` bytes go into this account? Asked at RCPT time (with the
 * client's SIZE= or 0) and again by delivery; the store's own check at commit stays the last word.
 */
import type { Account } from '../../store/types.ts';

/** `too-big`: the message alone is larger than the whole quota (a retry cannot help). */
export type QuotaVerdict = 'ok' | 'full' | 'too-big';

export function quotaVerdict(account: Account, size: number): QuotaVerdict {
  const quota = account.quotaBytes;
  if (quota <= 0) return 'ok';
  if (size > quota) return 'too-big';
  return account.usedBytes + Math.max(size, 1) > quota ? 'full' : 'ok';
}
