/**
 * The CLI's small command framework: a command declares its usage, options and positional
 * arguments; `parseCommand` turns argv into values with node:util parseArgs and turns every
 * malformed command line into one `UsageError` line (exit 2).
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Store } from '../store/ports.ts';

/** A malformed command line: unknown command or option, missing or extra argument. Exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
}

type OptionSpec = { type: 'string' | 'boolean'; short?: string };

export interface CommandContext {
  /** The command's name, e.g. `user add`. */
  readonly command: string;
  readonly io: CliIo;
  readonly values: Record<string, string | boolean | undefined>;
  /** Positional arguments by declared name. */
  readonly args: Record<string, string | undefined>;
  /** `--data`, else POSTKONTOR_DATA, else ./data; absolute. */
  readonly dataDir: string;
  /** `--store`, else POSTKONTOR_STORE: a postgres:// URL; absent: SQLite in the data dir. */
  readonly storeUrl?: string;
  out(line: string): void;
}

export interface Command {
  /** `user add` */
  readonly name: string;
  readonly summary: string;
  /** Everything after `postkontor `: `user add ADDRESS (--password P | --password-stdin) ...` */
  readonly usage: string;
  /** Extra help lines (options explained). */
  readonly details?: readonly string[];
  readonly options?: Record<string, OptionSpec>;
  readonly args?: readonly string[];
  readonly optionalArgs?: readonly string[];
  run(ctx: CommandContext): Promise<number | void>;
}

const COMMON_OPTIONS: Record<string, OptionSpec> = {
  data: { type: 'string' },
  store: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

function optionName(message: string): string {
  const m = /'(-[^' ]*(?:, --[^' ]*)?)/.exec(message);
  return m?.[1]?.replace(/^-\w, /, '') ?? 'option';
}

/** Maps parseArgs' long English errors to our one-line forms. */
function usageFromParseError(cmd: Command, err: Error & { code?: string }): UsageError {
  const opt = optionName(err.message);
  const where = `for "${cmd.name}"`;
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return new UsageError(`unknown option ${opt} ${where}; see: postkontor ${cmd.name} --help`);
  }
  if (/argument missing/.test(err.message)) return new UsageError(`option ${opt} needs a value`);
  if (/ambiguous/.test(err.message)) {
    return new UsageError(`option ${opt}: write a value that starts with "-" as ${opt}=VALUE`);
  }
  if (/does not take an argument/.test(err.message)) {
    return new UsageError(`option ${opt} takes no value`);
  }
  return new UsageError(err.message.split('.')[0] ?? 'invalid command line');
}

export interface Parsed {
  readonly values: Record<string, string | boolean | undefined>;
  readonly args: Record<string, string | undefined>;
  readonly help: boolean;
}

export function parseCommand(cmd: Command, argv: readonly string[]): Parsed {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...COMMON_OPTIONS, ...cmd.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw usageFromParseError(cmd, err as Error & { code?: string });
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return { values, args: {}, help: true };
  const required = cmd.args ?? [];
  const optional = cmd.optionalArgs ?? [];
  const pos = parsed.positionals;
  if (pos.length < required.length) {
    const missing = required[pos.length] ?? 'argument';
    throw new UsageError(`missing ${missing} for "${cmd.name}"; usage: postkontor ${cmd.usage}`);
  }
  if (pos.length > required.length + optional.length) {
    const extra = pos[required.length + optional.length] ?? '';
    throw new UsageError(`unexpected argument "${extra}" for "${cmd.name}"; usage: postkontor ${cmd.usage}`);
  }
  const args: Record<string, string | undefined> = {};
  [...required, ...optional].forEach((name, i) => {
    args[name] = pos[i];
  });
  return { values, args, help: false };
}

export function resolveDataDir(values: Parsed['values'], env: NodeJS.ProcessEnv): string {
  const flag = values.data;
  const dir = typeof flag === 'string' ? flag : env.POSTKONTOR_DATA || './data';
  return resolve(dir);
}

export function resolveStoreUrl(values: Parsed['values'], env: NodeJS.ProcessEnv): string | undefined {
  const flag = values.store;
  const url = typeof flag === 'string' ? flag : env.POSTKONTOR_STORE;
  return url ? url : undefined;
}

/** Where the store lives: the data dir, and a PostgreSQL URL when the store is not SQLite. */
export interface StoreLocation {
  readonly dataDir: string;
  readonly storeUrl?: string;
}

/** Opens the store (creating the data dir), runs `fn`, always closes it. */
export async function withStore<T>(where: StoreLocation, fn: (store: Store) => Promise<T>): Promise<T> {
  const { dataDir, storeUrl } = where;
  await mkdir(dataDir, { recursive: true });
  // Loaded on demand: help, --version and malformed command lines answer without the store.
  const { openStore } = await import('../store/open-store.ts');
  const store = await openStore(storeUrl ? { dataDir, storeUrl } : { dataDir });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Left-aligned columns separated by two spaces; no trailing blanks. */
export function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}

/** Reads a password from stdin: everything up to EOF, minus one trailing newline. */
export async function readPasswordFromStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
