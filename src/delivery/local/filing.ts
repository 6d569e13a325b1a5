/**
 * Where a local copy goes and with which flags: DMARC quarantine files into Junk; a forwarded
 * message's copy follows `forward.keep` (keep / mark-read / archive / trash); everything else
 * lands unread in INBOX.
 */
import type { SettingValue } from '../../core/settings-schema.ts';
import type { MailboxRole } from '../../store/types.ts';

export interface Filing {
  readonly role: MailboxRole;
  readonly flags: readonly string[];
}

export function fileLocalCopy(opts: {
  readonly junk: boolean;
  readonly forwarded: boolean;
  readonly keep: SettingValue<'forward.keep'>;
}): Filing {
  if (opts.junk) return { role: 'junk', flags: [] };
  if (!opts.forwarded) return { role: 'inbox', flags: [] };
  switch (opts.keep) {
    case 'keep':
      return { role: 'inbox', flags: [] };
    case 'mark-read':
      return { role: 'inbox', flags: ['\\Seen'] };
    case 'archive':
      return { role: 'archive', flags: [] };
    case 'trash':
      return { role: 'trash', flags: [] };
  }
}
