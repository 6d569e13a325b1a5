/**
 * The full-text index: one row per blob. IMAP SEARCH is a case-insensitive substring match in
 * any script (RFC 9051 §6.4.4). SQLite: FTS5 with trigram tokens. PostgreSQL: a plain table of
 * the text case-folded here (JavaScript's toLowerCase, the same folding `containsText` applies),
 * searched with `LIKE '%needle%'`, which pg_trgm's GIN indexes answer from trigrams (without
 * pg_trgm the same query scans). Blobs not yet indexed (blob_text_pending, filled by appends and
 * emptied by fts-indexer.ts) are searched by deriving their text on the spot, so a result never
 * misses a message.
 */
import { sql, type Kysely } from 'kysely';
import type { SearchText } from '../../mime/types.ts';
import type { TextField } from '../ports.ts';
import type { DB } from './tables.ts';

export const TEXT_COLUMNS: Readonly<Record<TextField, keyof SearchText>> = {
  subject: 'subject',
  from: 'from',
  to: 'to',
  cc: 'cc',
  bcc: 'bcc',
  headers: 'headers',
  body: 'body',
};

const FTS_COLUMNS: Readonly<Record<TextField, string>> = {
  subject: 'subject',
  from: 'from_addr',
  to: 'to_addr',
  cc: 'cc_addr',
  bcc: 'bcc_addr',
  headers: 'headers',
  body: 'body',
};

export function containsText(text: SearchText, fields: readonly TextField[], needle: string): boolean {
  const n = needle.toLowerCase();
  return fields.some((f) => text[TEXT_COLUMNS[f]].toLowerCase().includes(n));
}

export type TextDialect = 'sqlite' | 'postgres';

/** The index row for a blob's text (FTS5 folds case itself; for PostgreSQL we fold it here). */
export async function insertText(db: Kysely<DB>, rowid: number, t: SearchText, dialect: TextDialect): Promise<void> {
  const fold = dialect === 'postgres' ? (s: string) => s.toLowerCase() : (s: string) => s;
  await db
    .insertInto('blob_text')
    .values({
      rowid,
      subject: fold(t.subject),
      from_addr: fold(t.from),
      to_addr: fold(t.to),
      cc_addr: fold(t.cc),
      bcc_addr: fold(t.bcc),
      headers: fold(t.headers),
      body: fold(t.body),
    })
    .execute();
}

/** UIDs of a mailbox with an indexed blob whose text contains `needle` (PostgreSQL). */
async function searchFolded(db: Kysely<DB>, mailboxId: number, columns: readonly string[], needle: string): Promise<number[]> {
  const pattern = `%${needle.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`;
  const { rows } = await sql<{ uid: number }>`
    SELECT m.uid FROM blob_text t
    JOIN messages m ON m.blob_id = t.rowid AND m.mailbox_id = ${mailboxId}
    WHERE ${sql.join(columns.map((c) => sql`${sql.ref(`t.${c}`)} LIKE ${pattern}`), sql` OR `)}`.execute(db);
  return rows.map((r) => r.uid);
}

/** UIDs of a mailbox with an indexed blob whose text contains `needle` (SQLite, FTS5). */
async function searchFts(db: Kysely<DB>, mailboxId: number, columns: readonly string[], needle: string): Promise<number[]> {
  // Trigram MATCH needs three characters; shorter needles scan the indexed text. CROSS JOIN
  // keeps SQLite from running the MATCH once per message row: the FTS result drives the join,
  // and each hit finds its messages in messages_blob (blob_id, mailbox_id, uid), index-only.
  const { rows } =
    [...needle].length >= 3
      ? await sql<{ uid: number }>`
          SELECT m.uid FROM blob_text t
          CROSS JOIN messages m ON m.blob_id = t.rowid AND m.mailbox_id = ${mailboxId}
          WHERE blob_text MATCH ${`{${columns.join(' ')}} : "${needle.replace(/"/g, '""')}"`}`.execute(db)
      : await sql<{ uid: number }>`
          SELECT m.uid FROM messages m
          JOIN blob_text t ON t.rowid = m.blob_id
          WHERE m.mailbox_id = ${mailboxId}
            AND (${sql.join(columns.map((c) => sql`pk_icontains(${sql.ref(`t.${c}`)}, ${needle})`), sql` OR `)})`.execute(db);
  return rows.map((r) => r.uid);
}

/** UIDs of a mailbox whose text contains `needle` in one of `fields`. */
export async function searchText(
  db: Kysely<DB>,
  textOf: (hash: string) => Promise<SearchText>,
  mailboxId: number,
  fields: readonly TextField[],
  needle: string,
  dialect: TextDialect,
): Promise<number[]> {
  const columns = fields.map((f) => FTS_COLUMNS[f]);
  // Pending first, the index second: the indexer moves a blob from pending to indexed in one
  // transaction, so a blob pending when the first query ran is found by it, and one indexed by
  // then is found by the second. The other order misses a blob indexed between the two queries.
  // CROSS JOIN fixes SQLite's join order; PostgreSQL has no CROSS JOIN ... ON and plans well alone.
  const join = dialect === 'postgres' ? sql`JOIN` : sql`CROSS JOIN`;
  const pending = await sql<{ uid: number; hash: string }>`
    SELECT m.uid, b.hash FROM blob_text_pending p
    ${join} blobs b ON b.rowid = p.rowid
    ${join} messages m ON m.blob_id = p.rowid AND m.mailbox_id = ${mailboxId}`.execute(db);
  const indexed =
    dialect === 'postgres'
      ? await searchFolded(db, mailboxId, columns, needle)
      : await searchFts(db, mailboxId, columns, needle);
  const uids = new Set(indexed);
  const texts = new Map<string, SearchText>();
  for (const { uid, hash } of pending.rows) {
    let text = texts.get(hash);
    if (!text) {
      text = await textOf(hash);
      texts.set(hash, text);
    }
    if (containsText(text, fields, needle)) uids.add(uid);
  }
  return [...uids].sort((a, b) => a - b);
}
