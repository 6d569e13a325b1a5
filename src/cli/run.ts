/**
 * The `postkontor` command: dispatch over a small table of commands, and the one place where
 * errors become one stderr line and an exit code: 2 for a malformed command line, 1 otherwise.
 */
import { isPkError } from '../core/errors.ts';
import { VERSION } from '../core/version.ts';
import { parseCommand, resolveDataDir, resolveStoreUrl, UsageError, type CliIo, type Command } from './command.ts';
import { aliasCommands } from './alias.ts';
import { domainCommands } from './domain.ts';
import { migrateCommand } from './migrate.ts';
import { queueCommands } from './queue.ts';
import { serveCommand } from './serve.ts';
import { settingsCommands } from './settings.ts';
import { storeCommands } from './store.ts';
import { userCommands } from './user.ts';

export const COMMANDS: readonly Command[] = [
  serveCommand,
  migrateCommand,
  ...domainCommands,
  ...userCommands,
  ...aliasCommands,
  ...settingsCommands,
  ...queueCommands,
  ...storeCommands,
];

const GROUPS = ['domain', 'user', 'alias', 'settings', 'queue', 'store'] as const;

function commandHelp(cmd: Command): string {
  const lines = [`usage: postkontor ${cmd.usage}`, '', cmd.summary];
  if (cmd.details?.length) lines.push('', ...cmd.details.map((d) => `  ${d}`));
  lines.push('', '  --data DIR          data directory (default: $POSTKONTOR_DATA, else ./data)');
  lines.push('  --store URL         postgres://... to use PostgreSQL (default: $POSTKONTOR_STORE, else SQLite in the data dir)');
  return `${lines.join('\n')}\n`;
}

function generalHelp(filter?: string): string {
  const cmds = COMMANDS.filter((c) => !filter || c.name.split(' ')[0] === filter);
  const width = Math.max(...cmds.map((c) => c.name.length));
  const lines = [
    `postkontor ${VERSION}: a self-hosted mail server`,
    '',
    `usage: postkontor ${filter ?? '<command>'} ${filter ? '<subcommand>' : ''} [options]`.replace(/ +\[/, ' ['),
    '',
    ...cmds.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --data DIR (default: $POSTKONTOR_DATA, else ./data), --store URL and --help.',
    ...(filter ? [] : ['postkontor help <command> shows one command; postkontor --version the version.']),
  ];
  return `${lines.join('\n')}\n`;
}

/** Finds the command named by the leading words of argv; returns it and the rest. */
function lookup(argv: readonly string[]): { cmd: Command; rest: string[] } | { group: string } | null {
  const [first = '', second = ''] = argv;
  const one = COMMANDS.find((c) => c.name === first);
  if (one) return { cmd: one, rest: argv.slice(1) };
  if ((GROUPS as readonly string[]).includes(first)) {
    const two = COMMANDS.find((c) => c.name === `${first} ${second}`);
    if (two) return { cmd: two, rest: argv.slice(2) };
    return { group: first };
  }
  return null;
}

function subcommandsOf(group: string): string {
  return COMMANDS.filter((c) => c.name.startsWith(`${group} `))
    .map((c) => c.name.split(' ')[1])
    .join(', ');
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [first] = argv;
  if (first === undefined) throw new UsageError('missing command; see: postkontor help');
  if (first === '--version' || first === '-V' || first === 'version') {
    io.stdout.write(`postkontor ${VERSION}\n`);
    return 0;
  }
  if (first === 'help' || first === '--help' || first === '-h') {
    const topic = argv.slice(1);
    if (topic.length === 0) {
      io.stdout.write(generalHelp());
      return 0;
    }
    const found = lookup(topic);
    if (found && 'cmd' in found) io.stdout.write(commandHelp(found.cmd));
    else if (found) io.stdout.write(generalHelp(found.group));
    else throw new UsageError(`unknown command "${topic.join(' ')}"; see: postkontor help`);
    return 0;
  }
  const found = lookup(argv);
  if (!found) {
    if (first.startsWith('-')) throw new UsageError(`unknown option ${first}; see: postkontor help`);
    throw new UsageError(`unknown command "${first}"; see: postkontor help`);
  }
  if ('group' in found) {
    const sub = argv[1];
    if (sub === '--help' || sub === '-h') {
      io.stdout.write(generalHelp(found.group));
      return 0;
    }
    const known = subcommandsOf(found.group);
    if (sub === undefined || sub.startsWith('-')) {
      throw new UsageError(`missing subcommand for "${found.group}": ${known}`);
    }
    throw new UsageError(`unknown command "${found.group} ${sub}"; "${found.group}" has: ${known}`);
  }
  const { cmd, rest } = found;
  const parsed = parseCommand(cmd, rest);
  if (parsed.help) {
    io.stdout.write(commandHelp(cmd));
    return 0;
  }
  const code = await cmd.run({
    command: cmd.name,
    io,
    values: parsed.values,
    args: parsed.args,
    dataDir: resolveDataDir(parsed.values, io.env),
    ...storeOption(resolveStoreUrl(parsed.values, io.env)),
    out: (line) => io.stdout.write(`${line}\n`),
  });
  return code ?? 0;
}

function storeOption(storeUrl: string | undefined): { storeUrl?: string } {
  return storeUrl === undefined ? {} : { storeUrl };
}

/** Runs one CLI invocation; never throws. Returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();
    if (err instanceof UsageError) {
      io.stderr.write(`postkontor: ${oneLine(err.message)}\n`);
      return 2;
    }
    if (isPkError(err)) {
      io.stderr.write(`postkontor: ${oneLine(err.message)}\n`);
      return 1;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    io.stderr.write(`postkontor: unexpected error: ${oneLine(e.message)}\n`);
    if (io.env.POSTKONTOR_DEBUG) io.stderr.write(`${e.stack ?? ''}\n`);
    return 1;
  }
}
