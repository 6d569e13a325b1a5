// RFC 9051 §6.3.9 LIST; RFC 5258 LIST-EXTENDED (selection SUBSCRIBED, RECURSIVEMATCH,
// SPECIAL-USE; RETURN SUBSCRIBED, CHILDREN); RFC 5819 LIST-STATUS; RFC 6154 special-use
// attributes; RFC 3348 CHILDREN; RFC 3501 §6.3.9 LSUB.
import type { Mailbox, MailboxRole } from '../../../store/types.ts';
import type { CommandSpec } from '../session-types.ts';
import { AUTHED } from '../session-types.ts';
import { encodeMailbox } from '../wire/encode.ts';
import { statusLine } from './status.ts';

const ROLE_ATTR: Record<MailboxRole, string | null> = {
  inbox: null,
  archive: '\\Archive',
  drafts: '\\Drafts',
  junk: '\\Junk',
  sent: '\\Sent',
  trash: '\\Trash',
};

/** The reference and pattern as one anchored expression: `*` any, `%` any but the delimiter. */
export function patternMatcher(reference: string, pattern: string): (name: string) => boolean {
  let full = reference + pattern;
  if (/^inbox(\/|$)/i.test(full)) full = 'INBOX' + full.slice(5);
  let re = '';
  for (const ch of full) {
    if (ch === '*') re += '.*';
    else if (ch === '%') re += '[^/]*';
    else re += ch.replace(/[.+?^${}()|[\]\\/]/g, '\\$&');
  }
  const rx = new RegExp(`^${re}$`, 's');
  return (name) => rx.test(name);
}

interface Entry {
  readonly name: string;
  readonly mailbox: Mailbox | null;
  readonly attrs: string[];
  readonly extra?: string;
}

function hasChildren(name: string, names: readonly string[]): boolean {
  const prefix = name + '/';
  return names.some((n) => n.startsWith(prefix));
}

export const list: CommandSpec<'LIST'> = {
  states: AUTHED,
  async handle(session, cmd) {
    const account = session.account!;
    const store = session.ctx.store;
    if (cmd.patterns.length === 1 && cmd.patterns[0] === '' && cmd.basic) {
      // RFC 9051 §6.3.9: an empty pattern asks for the delimiter and the root.
      session.writeLine('* LIST (\\Noselect) "/" ""');
      return { text: 'LIST completed' };
    }
    const [mailboxes, subs] = await Promise.all([store.mailboxes.list(account.id), store.mailboxes.listSubscriptions(account.id)]);
    const subscribed = new Set(subs);
    const names = mailboxes.map((m) => m.name);
    const byName = new Map(mailboxes.map((m) => [m.name, m]));
    const matchers = cmd.patterns.map((p) => patternMatcher(cmd.reference, p));
    const matches = (n: string): boolean => matchers.some((m) => m(n));
    const selSubscribed = cmd.select.includes('SUBSCRIBED');
    const selSpecial = cmd.select.includes('SPECIAL-USE');
    const recursive = cmd.select.includes('RECURSIVEMATCH');
    const showSubscribed = cmd.return.subscribed || selSubscribed;
    const entries: Entry[] = [];
    const candidates = selSubscribed ? [...new Set([...names, ...subs])] : names;
    for (const name of candidates) {
      if (!matches(name)) continue;
      const mb = byName.get(name) ?? null;
      const attrs: string[] = [];
      let extra: string | undefined;
      if (selSubscribed && !subscribed.has(name)) {
        // RFC 5258 §3.5: a parent of subscribed mailboxes, listed only for RECURSIVEMATCH.
        if (!recursive || !subs.some((s) => s.startsWith(name + '/'))) continue;
        extra = '("CHILDINFO" ("SUBSCRIBED"))';
      }
      if (!mb) attrs.push('\\NonExistent');
      else attrs.push(hasChildren(name, names) ? '\\HasChildren' : '\\HasNoChildren');
      const role = mb?.role ? ROLE_ATTR[mb.role] : null;
      if (selSpecial && !role) continue;
      if (role) attrs.push(role);
      if (showSubscribed && subscribed.has(name)) attrs.push('\\Subscribed');
      entries.push({ name, mailbox: mb, attrs, ...(extra ? { extra } : {}) });
    }
    for (const e of entries) {
      const extra = e.extra ? ` ${e.extra}` : '';
      session.writeLine(`* LIST (${e.attrs.join(' ')}) "/" ${encodeMailbox(e.name, session.utf8)}${extra}`);
      if (cmd.return.status && e.mailbox) {
        session.writeLine(await statusLine(session, e.mailbox, cmd.return.status));
      }
    }
    return { text: 'LIST completed' };
  },
};

export const lsub: CommandSpec<'LSUB'> = {
  states: AUTHED,
  async handle(session, cmd) {
    const account = session.account!;
    const store = session.ctx.store;
    const [mailboxes, subs] = await Promise.all([store.mailboxes.list(account.id), store.mailboxes.listSubscriptions(account.id)]);
    const existing = new Set(mailboxes.map((m) => m.name));
    const subscribed = new Set(subs);
    const match = patternMatcher(cmd.reference, cmd.pattern);
    // RFC 3501 §6.3.9: with "%", a parent of a subscribed mailbox that is not subscribed itself
    // is listed with \Noselect, so the client can descend to it.
    const names = new Set(subs);
    for (const s of subs) {
      const levels = s.split('/');
      for (let i = 1; i < levels.length; i++) names.add(levels.slice(0, i).join('/'));
    }
    const ordered = [...names].sort((a, b) => (a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a < b ? -1 : a > b ? 1 : 0));
    for (const name of ordered) {
      if (!match(name)) continue;
      // An unsubscribed parent only stands in for descendants the pattern cannot reach itself.
      if (!subscribed.has(name) && subs.some((s) => s.startsWith(`${name}/`) && match(s))) continue;
      const attrs = subscribed.has(name) && existing.has(name) ? '' : '\\Noselect';
      session.writeLine(`* LSUB (${attrs}) "/" ${encodeMailbox(name, session.utf8)}`);
    }
    return { text: 'LSUB completed' };
  },
};
