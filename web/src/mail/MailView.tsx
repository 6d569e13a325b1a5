/**
 * One mailbox: the message list (paged with the `before` cursor, or search results), the reading
 * pane, compose, the actions and the keyboard shortcuts. The change feed keeps the list current:
 * new messages appear at the top, flag changes and expunges apply in place, without a reload.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { errorText, get, mailPath, post, type Account, type Mailbox, type Message, type Page, type Summary } from '../api.ts';
import { onLive } from '../live.ts';
import { MessageList, type Row } from './MessageList.tsx';
import { Reader } from './Reader.tsx';
import { Compose, replyInit, type ComposeInit, type ReplyKind } from './Compose.tsx';
import { groupThreads } from './threads.ts';
import { mailboxLabel, sortMailboxes } from './FolderList.tsx';
import { ShortcutsHelp } from './ShortcutsHelp.tsx';

const FIRST_PAGE = 50;
const MORE_PAGE = 200;
const MAX_PAGE = 500;

interface ListState {
  readonly items: readonly Summary[];
  readonly total: number;
  readonly next: string | null;
  readonly loading: boolean;
}

const NOT_TYPING = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'range', 'color']);

/** Whether keys typed at `el` are text (then the shortcuts stay quiet). */
function typing(el: HTMLElement): boolean {
  if (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  return el instanceof HTMLInputElement && !NOT_TYPING.has(el.type);
}

const byNewest = (a: Summary, b: Summary): number => b.internalDate - a.internalDate || b.uid - a.uid;

interface Props {
  readonly account: Account;
  readonly mailbox: Mailbox;
  readonly mailboxes: readonly Mailbox[];
  readonly query: string;
  readonly focusSearch: () => void;
  readonly clearSearch: () => void;
}

export function MailView({ account, mailbox, mailboxes, query, focusSearch, clearSearch }: Props) {
  const [list, setList] = useState<ListState>({ items: [], total: 0, next: null, loading: true });
  const [reload, setReload] = useState(0);
  const [conversations, setConversations] = useState(() => localStorage.getItem('pk.conversations') === '1');
  const [cursor, setCursor] = useState(0);
  const [openUid, setOpenUid] = useState<number | null>(null);
  const [compose, setCompose] = useState<ComposeInit | null>(null);
  const [help, setHelp] = useState(false);
  const [picker, setPicker] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [openMessage, setOpenMessage] = useState<Message | null>(null);
  const more = useRef(false);
  const head = useRef({ running: false, again: false });
  const listRef = useRef(list);
  listRef.current = list;
  const id = mailbox.id;

  // First page (or the search results) whenever the mailbox, the query or a reset changes.
  useEffect(() => {
    let live = true;
    setList((l) => ({ ...l, loading: true }));
    const req = query
      ? get<{ items: Summary[] }>(mailPath(id, `/search?q=${encodeURIComponent(query)}`)).then((r) => ({ items: r.items, total: r.items.length, next: null }))
      : get<Page>(mailPath(id, `/messages?limit=${FIRST_PAGE}`));
    req
      .then((p) => {
        if (live) setList({ items: p.items, total: p.total, next: p.next, loading: false });
      })
      .catch((err: unknown) => {
        if (live) {
          setNotice(errorText(err));
          setList({ items: [], total: 0, next: null, loading: false });
        }
      });
    setCursor(0);
    return () => {
      live = false;
    };
  }, [id, query, reload]);

  const loadMore = useCallback((last: number) => {
    const l = listRef.current;
    if (more.current || !l.next || query) return;
    more.current = true;
    // A jump far down (the scrollbar dragged) fetches the biggest pages the API gives.
    const limit = Math.max(MORE_PAGE, Math.min(MAX_PAGE, last - l.items.length + 50));
    get<Page>(mailPath(id, `/messages?limit=${limit}&before=${encodeURIComponent(l.next)}`))
      .then((p) => {
        setList((cur) => {
          const have = new Set(cur.items.map((m) => m.uid));
          return { items: [...cur.items, ...p.items.filter((m) => !have.has(m.uid))], total: p.total, next: p.next, loading: false };
        });
      })
      .catch((err: unknown) => setNotice(errorText(err)))
      .finally(() => {
        more.current = false;
      });
  }, [id, query]);

  // The change feed: apply what happened to this mailbox.
  useEffect(
    () =>
      onLive((e) => {
        if (e.type === 'reset') {
          setReload((n) => n + 1);
          return;
        }
        const c = e.change;
        if (c.mailboxId !== id) return;
        if (c.kind === 'flags') {
          const flags = new Map(c.messages.map((m) => [m.uid, m.flags]));
          setList((l) => ({ ...l, items: l.items.map((m) => (flags.has(m.uid) ? { ...m, flags: flags.get(m.uid) ?? m.flags } : m)) }));
          setOpenMessage((m) => (m && flags.has(m.uid) ? { ...m, flags: flags.get(m.uid) ?? m.flags } : m));
        } else if (c.kind === 'expunge') {
          const gone = new Set(c.uids);
          setList((l) => {
            const items = l.items.filter((m) => !gone.has(m.uid));
            return { ...l, items, total: Math.max(items.length, l.total - (l.items.length - items.length)) };
          });
          setOpenUid((u) => (u !== null && gone.has(u) ? null : u));
        } else if (c.kind === 'new' && !query) {
          // A burst of deliveries costs one head fetch at a time (and one more after it).
          if (head.current.running) {
            head.current.again = true;
            return;
          }
          const fetchHead = (): void => {
            head.current = { running: true, again: false };
            get<Page>(mailPath(id, `/messages?limit=${FIRST_PAGE}`))
              .then((p) => {
                setList((l) => {
                  const have = new Set(l.items.map((m) => m.uid));
                  const fresh = p.items.filter((m) => !have.has(m.uid));
                  if (fresh.length === 0) return { ...l, total: p.total };
                  // More arrived than one page holds: the old rows no longer join up; start over.
                  if (fresh.length === p.items.length && p.next !== null && l.items.length > 0) return { items: p.items, total: p.total, next: p.next, loading: false };
                  return { ...l, items: [...fresh, ...l.items].sort(byNewest), total: p.total };
                });
              })
              .catch((err: unknown) => setNotice(errorText(err)))
              .finally(() => {
                const again = head.current.again;
                head.current = { running: false, again: false };
                if (again) fetchHead();
              });
          };
          fetchHead();
        }
      }),
    [id, query],
  );

  const rows: Row[] = useMemo(() => {
    if (!conversations) return list.items.map((m) => ({ head: m, count: 1, unseen: m.flags.includes('\\Seen') ? 0 : 1 }));
    return groupThreads(list.items).map((t) => ({ head: t.head, count: t.messages.length, unseen: t.unseen }));
  }, [list.items, conversations]);
  const threadOf = useMemo(() => {
    const map = new Map<number, readonly Summary[]>();
    if (conversations) for (const t of groupThreads(list.items)) for (const m of t.messages) map.set(m.uid, t.messages);
    return map;
  }, [list.items, conversations]);
  const totalRows = conversations ? rows.length + (list.next ? Math.min(MORE_PAGE, list.total - list.items.length) : 0) : Math.max(list.total, rows.length);

  const open = useCallback(
    (index: number) => {
      const r = rows[index];
      if (!r) return;
      setCursor(index);
      setOpenUid(r.head.uid);
    },
    [rows],
  );

  /** The messages an action applies to: the open message, else the cursor's row (its thread). */
  const targets = (): number[] => {
    if (openUid !== null) return [openUid];
    const r = rows[cursor];
    if (!r) return [];
    return conversations ? (threadOf.get(r.head.uid) ?? [r.head]).map((m) => m.uid) : [r.head.uid];
  };

  const setFlagsLocal = useCallback((uids: readonly number[], add: string[], remove: string[]) => {
    const set = new Set(uids);
    const apply = (flags: readonly string[]): string[] => [...flags.filter((f) => !remove.includes(f)), ...add.filter((f) => !flags.includes(f))];
    setList((l) => ({ ...l, items: l.items.map((m) => (set.has(m.uid) ? { ...m, flags: apply(m.flags) } : m)) }));
    setOpenMessage((m) => (m && set.has(m.uid) ? { ...m, flags: apply(m.flags) } : m));
  }, []);

  const flag = useCallback(
    (uids: readonly number[], add: string[], remove: string[]) => {
      if (uids.length === 0) return;
      setFlagsLocal(uids, add, remove);
      post(mailPath(id, '/flags'), { uids, ...(add.length ? { add } : {}), ...(remove.length ? { remove } : {}) }).catch((err: unknown) => setNotice(errorText(err)));
    },
    [id, setFlagsLocal],
  );

  const removeLocal = (uids: readonly number[]): void => {
    const set = new Set(uids);
    setList((l) => {
      const items = l.items.filter((m) => !set.has(m.uid));
      return { ...l, items, total: Math.max(items.length, l.total - (l.items.length - items.length)) };
    });
    // Gmail-like: after archiving the open message, the next one opens.
    if (openUid !== null && set.has(openUid)) {
      const after = rows.slice(cursor + 1).find((r) => !set.has(r.head.uid)) ?? rows.slice(0, cursor).reverse().find((r) => !set.has(r.head.uid));
      setOpenUid(after ? after.head.uid : null);
    }
    setCursor((c) => Math.max(0, Math.min(c, rows.length - 1 - uids.length)));
  };

  const act = (kind: 'archive' | 'trash', uids = targets()): void => {
    if (uids.length === 0) return;
    removeLocal(uids);
    const word = kind === 'archive' ? 'Archived' : mailbox.role === 'trash' ? 'Deleted forever' : 'Moved to Trash';
    post(mailPath(id, `/${kind}`), { uids })
      .then(() => setNotice(`${word}: ${uids.length} message${uids.length === 1 ? '' : 's'}.`))
      .catch((err: unknown) => {
        setNotice(errorText(err));
        setReload((n) => n + 1);
      });
  };

  const moveTo = (to: number, uids = targets()): void => {
    setPicker(false);
    if (uids.length === 0 || to === id) return;
    removeLocal(uids);
    const name = mailboxes.find((m) => m.id === to);
    post(mailPath(id, '/move'), { uids, to })
      .then(() => setNotice(`Moved to ${name ? mailboxLabel(name) : 'folder'}.`))
      .catch((err: unknown) => {
        setNotice(errorText(err));
        setReload((n) => n + 1);
      });
  };

  const toggleStar = (uids = targets()): void => {
    const first = list.items.find((m) => m.uid === uids[0]);
    const on = first?.flags.includes('\\Flagged') ?? false;
    flag(uids, on ? [] : ['\\Flagged'], on ? ['\\Flagged'] : []);
  };

  const markUnread = (): void => {
    const uids = targets();
    flag(uids, [], ['\\Seen']);
    setOpenUid(null);
  };

  const emptyMailbox = (): void => {
    if (!window.confirm(`Delete every message in ${mailboxLabel(mailbox)} for good?`)) return;
    post(mailPath(id, '/empty'))
      .then(() => {
        setNotice(`${mailboxLabel(mailbox)} emptied.`);
        setReload((n) => n + 1);
      })
      .catch((err: unknown) => setNotice(errorText(err)));
  };

  const startReply = (kind: ReplyKind): void => {
    if (openMessage) setCompose(replyInit(kind, openMessage, account.address, id));
  };

  const drafts = mailboxes.find((m) => m.role === 'drafts') ?? null;

  // Keyboard shortcuts (Gmail's letters); ignored while typing in a field.
  const keys = useRef<(e: KeyboardEvent) => void>(() => undefined);
  keys.current = (e: KeyboardEvent) => {
    const t = e.target as HTMLElement | null;
    if (t && typing(t)) return;
    // Enter on a focused button or link is that control's own click.
    if (e.key === 'Enter' && t && (t.tagName === 'BUTTON' || t.tagName === 'A')) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (help || picker) {
      if (e.key === 'Escape') {
        setHelp(false);
        setPicker(false);
      }
      return;
    }
    if (compose) return;
    const move = (d: number): void => {
      const n = Math.max(0, Math.min(rows.length - 1, cursor + d));
      setCursor(n);
      if (openUid !== null) open(n);
    };
    const handlers: Record<string, () => void> = {
      j: () => move(1),
      k: () => move(-1),
      o: () => open(cursor),
      Enter: () => open(cursor),
      u: () => setOpenUid(null),
      Escape: () => setOpenUid(null),
      r: () => startReply('reply'),
      a: () => startReply('reply-all'),
      f: () => startReply('forward'),
      e: () => act('archive'),
      '#': () => act('trash'),
      s: () => toggleStar(),
      c: () => setCompose({}),
      '/': focusSearch,
      '?': () => setHelp(true),
      v: () => setPicker(true),
      U: markUnread,
    };
    const h = handlers[e.key];
    if (h) {
      e.preventDefault();
      h();
    }
  };
  useEffect(() => {
    const listener = (e: KeyboardEvent): void => keys.current(e);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);

  useEffect(() => {
    if (!notice) return;
    const t = window.setTimeout(() => setNotice(null), 6000);
    return () => window.clearTimeout(t);
  }, [notice]);

  const openRow = rows.find((r) => r.head.uid === openUid);
  const thread = openUid !== null && conversations ? (threadOf.get(openUid) ?? []) : [];
  const emptiable = mailbox.role === 'trash' || mailbox.role === 'junk';

  return (
    <div className={`mail${openUid !== null ? ' reading' : ''}`}>
      <section className="list-pane" aria-label={`${mailboxLabel(mailbox)} messages`}>
        <div className="list-toolbar">
          <h1 className="list-title">
            {query ? `Search: ${query}` : mailboxLabel(mailbox)}
            <span className="muted"> {query ? `${list.total} found` : `${list.total} messages`}</span>
          </h1>
          <button type="button" className="primary" onClick={() => setCompose({})} title="Compose (c)">
            Compose
          </button>
          {query && (
            <button type="button" onClick={clearSearch}>
              Clear search
            </button>
          )}
          <label className="toggle">
            <input
              type="checkbox"
              checked={conversations}
              onChange={(e) => {
                setConversations(e.target.checked);
                localStorage.setItem('pk.conversations', e.target.checked ? '1' : '0');
                setCursor(0);
              }}
            />
            Conversations
          </label>
          {emptiable && (
            <button type="button" onClick={emptyMailbox} disabled={list.total === 0}>
              Empty {mailboxLabel(mailbox)}
            </button>
          )}
          <button type="button" className="link-button" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts">
            ?
          </button>
        </div>
        {notice && (
          <div className="banner" role="status">
            {notice}
          </div>
        )}
        <MessageList
          rows={rows}
          totalRows={totalRows}
          cursor={cursor}
          openUid={openUid}
          loading={list.loading}
          showRecipients={mailbox.role === 'sent' || mailbox.role === 'drafts'}
          onSelect={setCursor}
          onOpen={(i) => {
            const r = rows[i];
            if (r && mailbox.role === 'drafts') {
              get<Message>(mailPath(id, `/messages/${r.head.uid}`))
                .then((m) => setCompose(replyInit('draft', m, account.address, id)))
                .catch((err: unknown) => setNotice(errorText(err)));
              return;
            }
            open(i);
          }}
          onStar={(i) => {
            const r = rows[i];
            if (r) toggleStar([r.head.uid]);
          }}
          onNeedMore={loadMore}
        />
      </section>
      {openUid !== null && (
        <Reader
          key={`${id}:${openUid}`}
          mailbox={mailbox}
          uid={openUid}
          summary={openRow?.head ?? null}
          thread={thread}
          onLoaded={(m) => {
            setOpenMessage(m);
            if (!m.flags.includes('\\Seen')) flag([m.uid], ['\\Seen'], []);
          }}
          message={openMessage?.uid === openUid ? openMessage : null}
          onOpenUid={setOpenUid}
          onBack={() => setOpenUid(null)}
          onArchive={() => act('archive')}
          onTrash={() => act('trash')}
          onStar={() => toggleStar()}
          onUnread={markUnread}
          onMove={() => setPicker(true)}
          onReply={startReply}
          trashLabel={mailbox.role === 'trash' ? 'Delete forever' : 'Delete'}
        />
      )}
      {openUid === null && (
        <div className="reader placeholder-pane" aria-hidden="true">
          <p>Select a message to read it. Press ? for keyboard shortcuts.</p>
        </div>
      )}
      {compose && (
        <Compose
          init={compose}
          draftsId={drafts?.id ?? null}
          onClose={() => setCompose(null)}
          onSent={(text) => {
            setCompose(null);
            setNotice(text);
          }}
        />
      )}
      {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
      {picker && (
        <MovePicker
          mailboxes={sortMailboxes(mailboxes).filter((m) => m.id !== id)}
          onPick={(to) => moveTo(to)}
          onClose={() => setPicker(false)}
        />
      )}
    </div>
  );
}

function MovePicker({ mailboxes, onPick, onClose }: { mailboxes: readonly Mailbox[]; onPick: (id: number) => void; onClose: () => void }) {
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), []);
  return (
    <div className="overlay" role="dialog" aria-modal="true" aria-labelledby="move-title" onClick={onClose}>
      <div className="card dialog" onClick={(e) => e.stopPropagation()}>
        <h2 id="move-title">Move to…</h2>
        <ul className="picker">
          {mailboxes.map((m, i) => (
            <li key={m.id}>
              <button type="button" ref={i === 0 ? first : undefined} onClick={() => onPick(m.id)}>
                {mailboxLabel(m)}
              </button>
            </li>
          ))}
        </ul>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </div>
  );
}
