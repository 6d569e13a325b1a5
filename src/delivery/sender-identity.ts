/**
 * May this account send as `address`? Its own address, or an alias the alias store resolves to
 * it. Not an address that only a catch-all routes to it: receiving a domain's stray mail does
 * not make every address of the domain one's own (that would let the catch-all's owner forge
 * any colleague's address). Used for the envelope sender at MAIL FROM and every From header
 * address at DATA.
 */
import { parseAddress } from '../core/address.ts';
import type { Store } from '../store/ports.ts';
import type { Account } from '../store/types.ts';

export async function mayUseAddress(store: Store, account: Account, address: string): Promise<boolean> {
  let canonical: string;
  try {
    canonical = parseAddress(address).address;
  } catch {
    return false;
  }
  if (canonical === account.address) return true;
  const resolved = await store.aliases.resolve(canonical);
  return !resolved.catchAll && resolved.accounts.some((a) => a.id === account.id);
}
