/** The folder list: role folders first (IMAP LIST order otherwise), with unread counts. */
import type { Mailbox, MailboxRole } from '../api.ts';
import { navigate } from '../router.ts';

const ROLE_LABEL: Record<MailboxRole, string> = {
  inbox: 'Inbox',
  sent: 'Sent',
  drafts: 'Drafts',
  trash: 'Trash',
  junk: 'Junk',
  archive: 'Archive',
};

const ROLE_ORDER: MailboxRole[] = ['inbox', 'drafts', 'sent', 'archive', 'junk', 'trash'];

// Inline 16×16 outline icons (no external resources).
const ICON: Record<MailboxRole | 'folder', string> = {
  inbox: 'M2 9h3l1 2h4l1-2h3M2 9l2-6h8l2 6v4H2z',
  sent: 'M2 8l12-5-5 12-2-5z',
  drafts: 'M3 13l1-4 7-7 3 3-7 7zM9 4l3 3',
  trash: 'M3 4h10M6 4V2h4v2M4 4l1 10h6l1-10',
  junk: 'M8 2l6 11H2zM8 6v3M8 11v1',
  archive: 'M2 3h12v3H2zM3 6v7h10V6M6 9h4',
  folder: 'M2 4h4l1 1h7v8H2z',
};

export function mailboxLabel(m: Mailbox): string {
  return m.role ? ROLE_LABEL[m.role] : m.name;
}

export function RoleIcon({ role }: { role: MailboxRole | null }) {
  return (
    <svg className="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      <path d={ICON[role ?? 'folder']} fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinejoin="round" />
    </svg>
  );
}

export function sortMailboxes(list: readonly Mailbox[]): Mailbox[] {
  const rank = (m: Mailbox): number => (m.role ? ROLE_ORDER.indexOf(m.role) : ROLE_ORDER.length);
  return [...list].sort((a, b) => rank(a) - rank(b));
}

export function FolderList({ mailboxes, currentId, onPick }: { mailboxes: readonly Mailbox[] | null; currentId: number | null; onPick: () => void }) {
  return (
    <nav className="folders" aria-label="Folders">
      <ul>
        {sortMailboxes(mailboxes ?? []).map((m) => (
          <li key={m.id}>
            <a
              href={`/mail/${m.id}`}
              data-role={m.role ?? undefined}
              data-mailbox={m.name}
              aria-current={m.id === currentId ? 'page' : undefined}
              className={m.unseen > 0 ? 'has-unread' : undefined}
              onClick={(e) => {
                e.preventDefault();
                onPick();
                navigate(`/mail/${m.id}`);
              }}
            >
              <RoleIcon role={m.role} />
              <span className="folder-name">{mailboxLabel(m)}</span>
              {m.unseen > 0 && (
                <span className="count" aria-label={`${m.unseen} unread`}>
                  {m.unseen}
                </span>
              )}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
