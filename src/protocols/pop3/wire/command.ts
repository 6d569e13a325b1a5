/**
 * A POP3 command line as typed values (RFC 1939 §3: a keyword, then arguments separated by
 * single spaces), and the argument checks every command shares. Bad arguments throw a
 * WireError whose message is the exact `-ERR` text; the session answers it and lives on.
 */

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

export interface CommandLine {
  /** The keyword, upper-cased (keywords are case-insensitive). */
  readonly verb: string;
  /** Arguments split at spaces (runs of spaces tolerated). */
  readonly args: readonly string[];
  /** Everything after the first space, untouched: PASS may contain spaces (RFC 1939 §7). */
  readonly rest: string;
}

export function parseCommandLine(line: Buffer): CommandLine {
  // UTF-8: user names and passwords may be non-ASCII; keywords and numbers are ASCII anyway.
  const text = line.toString('utf8');
  const sp = text.indexOf(' ');
  const verb = (sp === -1 ? text : text.slice(0, sp)).toUpperCase();
  const rest = sp === -1 ? '' : text.slice(sp + 1);
  const args = rest.split(' ').filter((a) => a.length > 0);
  return { verb, args, rest };
}

/** `arg` for an error text: quoted when short and printable, left out otherwise. */
export function shown(arg: string): string {
  return /^[\x21-\x7e]{1,40}$/.test(arg) ? ` "${arg}"` : '';
}

/** Checks the argument count; `usage` names what the command needs ("a message number"). */
export function expectArgs(cmd: CommandLine, min: number, max: number, usage: string): void {
  if (cmd.args.length < min) throw new WireError(`${cmd.verb} needs ${usage}`);
  if (cmd.args.length > max) throw new WireError(`too many arguments for ${cmd.verb}`);
}

/** A message number (RFC 1939 §3: decimal); range checks are the maildrop's. */
export function messageNumber(arg: string): number {
  if (!/^[0-9]+$/.test(arg)) throw new WireError(`invalid message number${shown(arg)}`);
  return Number(arg);
}

/** A message number argument and how error texts show it: its digits, not a rounded float. */
export function messageRef(arg: string): { readonly n: number; readonly text: string } {
  return { n: messageNumber(arg), text: arg.replace(/^0+(?=[0-9])/, '') };
}

/** TOP's line count: a non-negative decimal number. */
export function lineCount(arg: string): number {
  if (!/^[0-9]+$/.test(arg)) throw new WireError(`invalid line count${shown(arg)}`);
  return Number(arg);
}
