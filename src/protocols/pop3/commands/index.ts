/** The POP3 command table: keyword → module (RFC 1939, RFC 2449 CAPA, RFC 5034 AUTH, RFC 2595 STLS). */
import { auth } from './auth.ts';
import { capa } from './capa.ts';
import { dele, rset } from './dele-rset.ts';
import { list, uidl } from './list.ts';
import { noop } from './noop.ts';
import { quit } from './quit.ts';
import { retr, top } from './retr-top.ts';
import { stat } from './stat.ts';
import { stls } from './stls.ts';
import type { CommandSpec } from './types.ts';
import { pass, user } from './user-pass.ts';

export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map([
  ['USER', user],
  ['PASS', pass],
  ['AUTH', auth],
  ['STLS', stls],
  ['CAPA', capa],
  ['STAT', stat],
  ['LIST', list],
  ['UIDL', uidl],
  ['RETR', retr],
  ['TOP', top],
  ['DELE', dele],
  ['RSET', rset],
  ['NOOP', noop],
  ['QUIT', quit],
]);
