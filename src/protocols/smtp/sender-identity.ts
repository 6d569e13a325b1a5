/**
 * May this account send as `address`? Its own address, or an address the alias store resolves
 * to it (an alias, or the catch-all of a domain the account receives). Used for the envelope
 * sender at MAIL FROM and every From header address at DATA.
 */
import { parseAddress } from '../../core/address.ts';
import type { Store } from '../../store/ports.ts';
import type { Account } from '../../store/types.ts';

export async function mayUseAddress(store: Store, account: Account, address: string): Promise<boolean> {
  let canonical: string;
  try {
    canonical = parseAddress(address).address;
  } catch {
    return false;
  }
  if (canonical === account.address) return true;
  const resolved = await store.aliases.resolve(canonical);
  return resolved.accounts.some((a) => a.id === account.id);
}
