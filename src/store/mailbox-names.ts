/**
 * Mailbox name rules, shared by every protocol: `/` separates levels; INBOX is case-insensitive
 * (RFC 3501 §5.1) and so is the INBOX prefix of its children; names are UTF-8 (protocols decode
 * modified UTF-7 before they get here). Names that could confuse a path or a terminal are refused
 * rather than "cleaned", so that what a client created is what it sees.
 */
import { PkError } from '../core/errors.ts';
import { LIMITS } from '../core/limits.ts';
import { MAILBOX_DELIMITER } from './types.ts';

export function normalizeMailboxName(input: string): string {
  const bad = (why: string): never => {
    throw new PkError('PK_ERR_MAILBOX_NAME', `invalid mailbox name "${input}": ${why}`);
  };
  if (input.length === 0) bad('empty');
  if (/[\x00-\x1f\x7f]/.test(input)) bad('control characters are not allowed');
  if (/[*%]/.test(input)) bad('"*" and "%" are LIST wildcards, not name characters');
  if (Buffer.byteLength(input) > LIMITS.mailboxNameBytes) bad('too long');
  const levels = input.split(MAILBOX_DELIMITER);
  if (levels.length > LIMITS.mailboxDepth) bad('too deep');
  for (const level of levels) {
    if (level.length === 0) bad('empty hierarchy level');
    if (level === '.' || level === '..') bad('"." and ".." are not mailbox names');
    if (level.trim() !== level && level.trim().length === 0) bad('blank hierarchy level');
  }
  if (levels[0]?.toUpperCase() === 'INBOX') levels[0] = 'INBOX';
  return levels.join(MAILBOX_DELIMITER);
}

/** `a/b/c` → [`a`, `a/b`]: the parents that must exist for a name. */
export function parentNames(name: string): string[] {
  const levels = name.split(MAILBOX_DELIMITER);
  const out: string[] = [];
  for (let i = 1; i < levels.length; i++) out.push(levels.slice(0, i).join(MAILBOX_DELIMITER));
  return out;
}

export function isInside(name: string, parent: string): boolean {
  return name.startsWith(parent + MAILBOX_DELIMITER);
}
