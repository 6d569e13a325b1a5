/**
 * Copies one SQL store into another of the same schema version, table by table, at the kysely
 * level (both dialects share the DB type and column names): `postkontor store copy` moves an
 * SQLite data dir into PostgreSQL with it. Everything clients hold on to is kept as it is, not
 * renumbered: account, mailbox and message ids (a message id is its POP3 UIDL), UIDs,
 * UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, flags, the change log (QRESYNC), POP3 download markers,
 * queue ids. Blob rowids are kept too (OVERRIDING SYSTEM VALUE on PostgreSQL), so messages'
 * `blob_id` and the full-text rows stay valid without a mapping; the full-text text is copied
 * (case-folded for PostgreSQL, as text-index.ts stores it) rather than rebuilt, so searches are
 * served by the index at once.
 *
 * Bodies kept outside the database (SQLite blobs above the inline limit under `<data>/blobs/`,
 * large queued messages under `<data>/queue/`) are read through the source's callbacks and
 * stored inline in the destination. Rows travel in batches (keyset pages of the source, inserts
 * of a bounded row count and byte size), never a whole table in memory. Id sequences of the
 * destination are moved past the highest id the source ever handed out (SQLite's
 * sqlite_sequence, not just the largest surviving id), so no id, UIDL included, is reused.
 *
 * Everything is written in one destination transaction: a failure leaves the destination as it
 * was (empty). The source is read in one read transaction: one consistent snapshot.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { PkError } from '../../core/errors.ts';
import type { DB } from './tables.ts';

export type CopyDialect = 'sqlite' | 'postgres';

export interface CopySource {
  readonly db: Kysely<DB>;
  readonly dialect: CopyDialect;
  /** The bytes of a message blob whose row has no `data` (SQLite: a file under blobs/). */
  readBlob(hash: string, size: number): Promise<Buffer>;
  /** The bytes of a queued message whose row has no `data` (SQLite: a file under queue/). */
  readQueued(hash: string, size: number): Promise<Buffer>;
}

export interface CopyTarget {
  readonly db: Kysely<DB>;
  readonly dialect: CopyDialect;
}

export interface CopyProgress {
  readonly table: string;
  readonly copied: number;
  readonly total: number;
  /** The table is finished (the last event of each table). */
  readonly done: boolean;
}

export interface CopyOptions {
  readonly onProgress?: (p: CopyProgress) => void;
  /** A progress event every this many rows of a table (default 10,000). */
  readonly progressEvery?: number;
  /** Source rows read per query (default 500; tests use tiny pages to cross page boundaries). */
  readonly pageRows?: number;
}

export interface CopySummary {
  /** Rows copied per table, in copy order. */
  readonly rows: Readonly<Record<string, number>>;
  /** Bytes of message blobs copied. */
  readonly blobBytes: number;
}

type Row = Record<string, unknown>;

interface TablePlan {
  readonly name: string;
  /** The source's ordering key (keyset pages). */
  readonly key: readonly string[];
  /** SQLite keeps this table's key as the implicit rowid, which SELECT * leaves out. */
  readonly implicitRowid?: boolean;
  /** The destination numbers these rows itself (pg: GENERATED ALWAYS pop_downloads.rowid). */
  readonly dropRowid?: boolean;
  /** An id column whose sequence must continue after the source's (AUTOINCREMENT / identity). */
  readonly sequence?: string;
  /** Rows carry bytes: fill `data` when NULL, and bound inserts by bytes. */
  readonly bytes?: 'blob' | 'queue';
  /** Full-text rows: fold case for PostgreSQL. */
  readonly text?: boolean;
}

/** Copy order: parents before children (foreign keys hold at every statement). */
const PLAN: readonly TablePlan[] = [
  { name: 'domains', key: ['name'] },
  { name: 'accounts', key: ['id'], sequence: 'id' },
  { name: 'settings', key: ['account_id', 'key'] },
  { name: 'mailboxes', key: ['id'], sequence: 'id' },
  { name: 'subscriptions', key: ['account_id', 'name'] },
  { name: 'blobs', key: ['rowid'], implicitRowid: true, sequence: 'rowid', bytes: 'blob' },
  { name: 'blob_text', key: ['rowid'], implicitRowid: true, text: true },
  { name: 'blob_text_pending', key: ['rowid'] },
  { name: 'messages', key: ['id'], sequence: 'id' },
  { name: 'change_log', key: ['account_id', 'seq'] },
  { name: 'pop_downloads', key: ['rowid'], implicitRowid: true, dropRowid: true },
  { name: 'aliases', key: ['source', 'target'] },
  { name: 'submitted_copies', key: ['account_id', 'key'] },
  { name: 'queue', key: ['id'], sequence: 'id', bytes: 'queue' },
  { name: 'queue_recipients', key: ['queue_id', 'address'] },
  { name: 'dkim_keys', key: ['domain', 'selector'] },
  // v8: web sessions (browsers stay signed in) and failed logins (lockouts carry over). The
  // failures have no key but SQLite's rowid; from PostgreSQL they are read in one query (the
  // table is pruned to the longest lockout window, so it stays small).
  { name: 'login_failures', key: ['rowid'], implicitRowid: true, dropRowid: true },
  { name: 'web_sessions', key: ['id_hash'] },
  // v9: submissions of the last hour (the sending rate carries over).
  { name: 'send_log', key: ['rowid'], implicitRowid: true, dropRowid: true },
];

/** Tables each store keeps for itself. */
const NOT_COPIED = new Set(['schema_version']);

const TEXT_COLUMNS = ['subject', 'from_addr', 'to_addr', 'cc_addr', 'bcc_addr', 'headers', 'body'];

/** Source rows per page; an insert takes up to four pages' rows, bounded by parameters and bytes. */
const PAGE_ROWS = 500;
const MAX_PARAMS = 30_000;
const MAX_BATCH_BYTES = 16 * 1024 * 1024;

/** The tables of a database (FTS5 shadow tables and SQLite's own left out) with their columns. */
async function tablesOf(db: Kysely<DB>, dialect: CopyDialect): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  if (dialect === 'sqlite') {
    const { rows } = await sql<{ name: string }>`
      SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual')
        AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`.execute(db);
    for (const { name } of rows) {
      const cols = await sql<{ name: string }>`SELECT name FROM pragma_table_info(${name})`.execute(db);
      out.set(name, new Set(cols.rows.map((c) => c.name)));
    }
    return out;
  }
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = current_schema()`.execute(db);
  for (const r of rows) {
    let cols = out.get(r.table_name);
    if (!cols) out.set(r.table_name, (cols = new Set()));
    cols.add(r.column_name);
  }
  return out;
}

async function hasRows(db: Kysely<DB>, table: string): Promise<boolean> {
  const { rows } = await sql`SELECT 1 AS x FROM ${sql.table(table)} LIMIT 1`.execute(db);
  return rows.length > 0;
}

async function countRows(db: Kysely<DB>, table: string): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** One keyset page of the source: rows after `after` (by the plan's key), in key order. */
async function page(
  db: Kysely<DB>,
  dialect: CopyDialect,
  plan: TablePlan,
  after: readonly unknown[] | null,
  limit: number,
  unkeyed: boolean,
): Promise<Row[]> {
  const t = sql.table(plan.name);
  const select = dialect === 'sqlite' && plan.implicitRowid ? sql`SELECT rowid AS rowid, * FROM ${t}` : sql`SELECT * FROM ${t}`;
  if (unkeyed) {
    // No key to page by (login_failures on PostgreSQL): one query; asked again, nothing more.
    if (after !== null) return [];
    return (await sql<Row>`SELECT * FROM ${t}`.execute(db)).rows;
  }
  const keys = plan.key.map((k) => sql.ref(k));
  const tuple = (items: readonly RawBuilder<unknown>[]) => (items.length === 1 ? items[0]! : sql`(${sql.join(items)})`);
  const where = after === null ? sql`` : sql`WHERE ${tuple(keys)} > ${tuple(after.map((v) => sql`${v}`))}`;
  const { rows } = await sql<Row>`${select} ${where} ORDER BY ${sql.join(keys)} LIMIT ${limit}`.execute(db);
  return rows;
}

/** The highest id the source ever handed out for `plan.sequence` (deleted rows included). */
async function highWater(src: CopySource, plan: TablePlan): Promise<number> {
  const col = plan.sequence!;
  const max = await sql<{ m: number | string | null }>`SELECT max(${sql.ref(col)}) AS m FROM ${sql.table(plan.name)}`.execute(src.db);
  let high = Number(max.rows[0]?.m ?? 0);
  if (src.dialect === 'sqlite') {
    const seq = await sql<{ seq: number }>`SELECT seq FROM sqlite_sequence WHERE name = ${plan.name}`.execute(src.db).catch(() => ({ rows: [] }));
    high = Math.max(high, Number(seq.rows[0]?.seq ?? 0));
  } else {
    const seq = await sql<{ v: string | number | null }>`
      SELECT last_value AS v FROM pg_sequences
      WHERE schemaname || '.' || sequencename = pg_get_serial_sequence(${plan.name}, ${col})`.execute(src.db);
    high = Math.max(high, Number(seq.rows[0]?.v ?? 0));
  }
  return high;
}

/** Makes the destination hand out ids above `high` from now on. */
async function continueAfter(db: Kysely<DB>, dialect: CopyDialect, plan: TablePlan, high: number): Promise<void> {
  if (high <= 0) return;
  const col = plan.sequence!;
  if (dialect === 'postgres') {
    await sql`SELECT setval(pg_get_serial_sequence(${plan.name}, ${col}), ${high}, true)`.execute(db);
  } else if (col !== 'rowid') {
    // An AUTOINCREMENT table: sqlite_sequence holds the highest id ever used.
    await sql`DELETE FROM sqlite_sequence WHERE name = ${plan.name}`.execute(db);
    await sql`INSERT INTO sqlite_sequence (name, seq) VALUES (${plan.name}, ${high})`.execute(db);
  }
}

function rowBytes(row: Row): number {
  const data = row.data;
  return Buffer.isBuffer(data) ? data.length : 0;
}

async function insertRows(db: Kysely<DB>, target: CopyTarget, plan: TablePlan, columns: readonly string[], rows: readonly Row[]): Promise<void> {
  if (rows.length === 0) return;
  // Blob rowids are kept (messages.blob_id and the text rows name them); pg generates them ALWAYS.
  const overriding = target.dialect === 'postgres' && plan.name === 'blobs' ? sql`OVERRIDING SYSTEM VALUE` : sql``;
  const values = rows.map((r) => sql`(${sql.join(columns.map((c) => sql`${r[c] ?? null}`))})`);
  await sql`INSERT INTO ${sql.table(plan.name)} (${sql.join(columns.map((c) => sql.ref(c)))}) ${overriding} VALUES ${sql.join(values)}`.execute(db);
}

/**
 * Copies every row of `src` into `dst`, which must be an empty store of the same schema version
 * (both migrated by the caller). Refuses a destination with any row in any table.
 */
export async function copyStore(src: CopySource, dst: CopyTarget, opts: CopyOptions = {}): Promise<CopySummary> {
  const every = opts.progressEvery ?? 10_000;
  const pageRows = opts.pageRows ?? PAGE_ROWS;
  const srcTables = await tablesOf(src.db, src.dialect);
  const dstTables = await tablesOf(dst.db, dst.dialect);
  const planned = new Set(PLAN.map((p) => p.name));

  return src.db.transaction().execute(async (srcTx) =>
    dst.db.transaction().execute(async (dstTx) => {
      for (const name of dstTables.keys()) {
        if (NOT_COPIED.has(name)) continue;
        if (await hasRows(dstTx, name)) {
          throw new PkError('PK_ERR_STORE_CONFLICT', `the destination is not empty (table ${name} has rows): store copy only fills an empty store`);
        }
      }
      // A table this copy does not know (a newer schema step) must not be left behind silently.
      for (const name of srcTables.keys()) {
        if (planned.has(name) || NOT_COPIED.has(name)) continue;
        if (await hasRows(srcTx, name)) {
          throw new PkError('PK_ERR_CONFIG', `store copy does not know the table ${name}; upgrade postkontor`);
        }
      }
      const srcRead: CopySource = { ...src, db: srcTx };
      const rows: Record<string, number> = {};
      let blobBytes = 0;
      for (const plan of PLAN) {
        const srcCols = srcTables.get(plan.name);
        if (!srcCols) continue;
        const dstCols = dstTables.get(plan.name);
        if (!dstCols) throw new PkError('PK_ERR_CONFIG', `the destination has no table ${plan.name}`);
        const total = await countRows(srcTx, plan.name);
        const unkeyed = !(src.dialect === 'sqlite' && plan.implicitRowid) && !plan.key.every((k) => srcCols.has(k));
        let copied = 0;
        let after: unknown[] | null = null;
        let pending: Row[] = [];
        let pendingBytes = 0;
        let columns: string[] | null = null;
        const flush = async (): Promise<void> => {
          if (columns && pending.length > 0) await insertRows(dstTx, dst, plan, columns, pending);
          copied += pending.length;
          pending = [];
          pendingBytes = 0;
        };
        for (;;) {
          const batch = await page(srcTx, src.dialect, plan, after, pageRows, unkeyed);
          if (batch.length === 0) break;
          const last = batch[batch.length - 1]!;
          after = plan.key.map((k) => last[k]);
          for (const row of batch) {
            const out = await prepareRow(srcRead, dst, plan, row);
            if (columns === null) {
              columns = Object.keys(out);
              const missing = columns.filter((c) => !dstCols.has(c));
              if (missing.length > 0) {
                throw new PkError('PK_ERR_CONFIG', `the destination's table ${plan.name} has no column ${missing.join(', ')}`);
              }
            }
            if (plan.bytes === 'blob') blobBytes += Number(out.size ?? 0);
            pending.push(out);
            pendingBytes += rowBytes(out);
            const maxRows = Math.max(1, Math.min(Math.floor(MAX_PARAMS / columns.length), 4 * pageRows));
            if (pending.length >= maxRows || pendingBytes >= MAX_BATCH_BYTES) {
              const before = copied;
              await flush();
              if (Math.floor(copied / every) > Math.floor(before / every)) {
                opts.onProgress?.({ table: plan.name, copied, total, done: false });
              }
            }
          }
        }
        await flush();
        const landed = await countRows(dstTx, plan.name);
        if (landed !== copied) {
          throw new PkError('PK_ERR_STORE_CONFLICT', `${plan.name}: ${copied} rows copied but ${landed} arrived`);
        }
        if (plan.sequence) await continueAfter(dstTx, dst.dialect, plan, await highWater(srcRead, plan));
        rows[plan.name] = copied;
        opts.onProgress?.({ table: plan.name, copied, total, done: true });
      }
      return { rows, blobBytes };
    }),
  );
}

/** A source row as the destination stores it. */
async function prepareRow(src: CopySource, dst: CopyTarget, plan: TablePlan, row: Row): Promise<Row> {
  const out: Row = { ...row };
  if (plan.dropRowid) delete out.rowid;
  if (plan.bytes && (out.data === null || out.data === undefined)) {
    const size = Number(out.size);
    const hash = String(out.hash);
    out.data = plan.bytes === 'blob' ? await src.readBlob(hash, size) : await src.readQueued(hash, size);
  } else if (out.data instanceof Uint8Array && !Buffer.isBuffer(out.data)) {
    out.data = Buffer.from(out.data);
  }
  if (plan.text && dst.dialect === 'postgres' && src.dialect === 'sqlite') {
    // text-index.ts: PostgreSQL keeps the text case-folded (FTS5 folds at query time).
    for (const c of TEXT_COLUMNS) if (typeof out[c] === 'string') out[c] = out[c].toLowerCase();
  }
  return out;
}
