/**
 * THREAD algorithms of RFC 5256: ORDEREDSUBJECT (§3, "poor man's threading") and REFERENCES
 * (§2.2, Jamie Zawinski's algorithm as the RFC states it), and the thread-list syntax (§4).
 */
import { asciiCasemap, sentDate } from './sort-keys.ts';
import type { Loaded } from './commands/sort.ts';

interface Node {
  msg: Loaded | null;
  parent: Node | null;
  children: Node[];
}

const dateOf = (m: Loaded): number => sentDate(m.index, m.meta);
const subjectOf = (m: Loaded): string => asciiCasemap(m.index?.baseSubject ?? '');
const isReply = (m: Loaded): boolean => /^\s*((re|fwd?)\s*(\[[^\]]*\])?\s*:|\[[^\]]*\]\s*(re|fwd?)\s*:)/i.test(m.index?.subject ?? '') || /\(fwd\)\s*$/i.test(m.index?.subject ?? '');

function byDate(a: Loaded, b: Loaded): number {
  return dateOf(a) - dateOf(b) || a.seq - b.seq;
}

/** The first message of a subtree in date order (a dummy's date is its first child's). */
function firstMsg(n: Node): Loaded | null {
  return n.msg ?? (n.children[0] ? firstMsg(n.children[0]) : null);
}

function serialize(n: Node, id: (m: Loaded) => number): string {
  const kids = n.children;
  const nested = (): string => kids.map((k) => `(${serialize(k, id)})`).join('');
  if (!n.msg) return kids.length === 1 ? serialize(kids[0]!, id) : nested();
  const self = String(id(n.msg));
  if (kids.length === 0) return self;
  if (kids.length === 1) return `${self} ${serialize(kids[0]!, id)}`;
  return `${self} ${nested()}`;
}

export function threadList(roots: readonly Node[], id: (m: Loaded) => number): string {
  return roots.map((r) => `(${serialize(r, id)})`).join('');
}

/** RFC 5256 §3 ORDEREDSUBJECT: by base subject; the earliest is the parent of the rest. */
export function orderedSubject(msgs: readonly Loaded[]): Node[] {
  const groups = new Map<string, Loaded[]>();
  for (const m of [...msgs].sort(byDate)) {
    const s = subjectOf(m);
    const g = groups.get(s);
    if (g) g.push(m);
    else groups.set(s, [m]);
  }
  const roots = [...groups.values()].map((g) => {
    const root: Node = { msg: g[0]!, parent: null, children: [] };
    root.children = g.slice(1).map((m) => ({ msg: m, parent: root, children: [] }));
    return root;
  });
  return roots.sort((a, b) => byDate(a.msg!, b.msg!));
}

function isAncestor(a: Node, b: Node): boolean {
  for (let c: Node | null = b; c; c = c.parent) if (c === a) return true;
  return false;
}

function link(child: Node, parent: Node): void {
  if (child.parent) child.parent.children = child.parent.children.filter((c) => c !== child);
  child.parent = parent;
  parent.children.push(child);
}

function firstId(text: string | null): string | null {
  return text ? (/<[^>]*>/.exec(text)?.[0] ?? null) : null;
}

/** RFC 5256 §2.2 REFERENCES. */
export function references(msgs: readonly Loaded[]): Node[] {
  const table = new Map<string, Node>();
  const get = (id: string): Node => {
    let n = table.get(id);
    if (!n) {
      n = { msg: null, parent: null, children: [] };
      table.set(id, n);
    }
    return n;
  };
  // Step 1: containers by Message-ID, linked along References (or In-Reply-To).
  for (const m of msgs) {
    let mid = m.index?.messageId ?? null;
    if (!mid || table.get(mid)?.msg) mid = `\u0000unique-${m.seq}`;
    const self = get(mid);
    self.msg = m;
    const refIds = m.index?.references.length ? m.index.references : [firstId(m.index?.inReplyTo ?? null)].filter((x): x is string => x !== null);
    let prev: Node | null = null;
    for (const r of refIds) {
      const rc = get(r);
      if (prev && !rc.parent && !isAncestor(rc, prev)) link(rc, prev);
      prev = rc;
    }
    if (prev && (prev === self || isAncestor(self, prev))) prev = null;
    if (self.parent) {
      self.parent.children = self.parent.children.filter((c) => c !== self);
      self.parent = null;
    }
    if (prev) link(self, prev);
  }
  // Steps 2-3: the root set, with empty containers pruned or replaced by their children.
  const prune = (list: Node[], atRoot: boolean): Node[] => {
    const out: Node[] = [];
    for (const n of list) {
      n.children = prune(n.children, false);
      if (!n.msg && n.children.length === 0) continue;
      if (!n.msg && (!atRoot || n.children.length === 1)) {
        for (const c of n.children) {
          c.parent = n.parent;
          out.push(c);
        }
        continue;
      }
      out.push(n);
    }
    return out;
  };
  let roots = prune([...table.values()].filter((n) => !n.parent), true);
  for (const r of roots) r.parent = null;
  // Step 4 and 6: siblings by sent date (a dummy dates from its first child).
  const sortTree = (list: Node[]): Node[] => {
    for (const n of list) n.children = sortTree(n.children);
    return list.sort((a, b) => {
      const x = firstMsg(a);
      const y = firstMsg(b);
      return x && y ? byDate(x, y) : 0;
    });
  };
  roots = sortTree(roots);
  // Step 5: threads with the same base subject are gathered.
  const bySubject = new Map<string, Node>();
  for (const r of roots) {
    const m = firstMsg(r);
    const s = m ? subjectOf(m) : '';
    if (!s) continue;
    const t = bySubject.get(s);
    if (!t || (!r.msg && t.msg) || (t.msg && r.msg && isReply(t.msg) && !isReply(r.msg))) bySubject.set(s, r);
  }
  const merged: Node[] = [];
  for (const r of roots) {
    const m = firstMsg(r);
    const s = m ? subjectOf(m) : '';
    const t = s ? bySubject.get(s) : undefined;
    if (!t || t === r) {
      merged.push(r);
      continue;
    }
    if (!t.msg && !r.msg) {
      for (const c of [...r.children]) link(c, t);
    } else if (!t.msg) {
      link(r, t);
    } else if (r.msg && isReply(r.msg) && !isReply(t.msg)) {
      link(r, t);
    } else {
      // Neither is clearly the original: a new dummy holds both, where t stood.
      const dummy: Node = { msg: null, parent: null, children: [] };
      const at = merged.indexOf(t);
      link(t, dummy);
      link(r, dummy);
      t.parent = dummy;
      if (at >= 0) merged[at] = dummy;
      else merged.push(dummy);
      bySubject.set(s, dummy);
    }
  }
  return sortTree(merged);
}
