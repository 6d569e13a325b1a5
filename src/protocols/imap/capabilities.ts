/**
 * What the server announces. A capability is listed only once it works end to end (Thunderbird
 * trusts the list without asking again; client-quirks.md). Outlook turns UIDONLY on if offered
 * and then breaks, so it is never offered.
 */
import { LIMITS } from '../../core/limits.ts';

export interface CapabilityState {
  readonly authenticated: boolean;
  /** The connection is encrypted (implicit TLS or after STARTTLS). */
  readonly secure: boolean;
  /** STARTTLS can be offered (plain listener, TLS configured). */
  readonly starttls: boolean;
  /** Password logins are allowed on this connection now (auth.plaintext policy). */
  readonly loginAllowed: boolean;
}

const COMMON = ['IMAP4rev1', 'IMAP4rev2', 'LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE'];

const AFTER_LOGIN = [
  'NAMESPACE',
  'UNSELECT',
  'UIDPLUS',
  'MOVE',
  'CHILDREN',
  'SPECIAL-USE',
  'CREATE-SPECIAL-USE',
  'LIST-EXTENDED',
  'LIST-STATUS',
  'ESEARCH',
  'SEARCHRES',
  'CONDSTORE',
  'QRESYNC',
  'STATUS=SIZE',
  'MULTIAPPEND',
  'QUOTA',
  'QUOTA=RES-STORAGE',
  'SORT',
  'SORT=DISPLAY',
  'THREAD=ORDEREDSUBJECT',
  'THREAD=REFERENCES',
  'COMPRESS=DEFLATE',
  'UTF8=ACCEPT',
  'BINARY',
  'PREVIEW',
  'OBJECTID',
  `APPENDLIMIT=${LIMITS.messageBytes}`,
  'SAVEDATE',
  'WITHIN',
];

export function capabilities(state: CapabilityState): string[] {
  const caps = [...COMMON];
  if (!state.authenticated) {
    if (state.starttls && !state.secure) caps.push('STARTTLS');
    if (state.loginAllowed) caps.push('AUTH=PLAIN', 'AUTH=LOGIN');
    else caps.push('LOGINDISABLED');
    return caps;
  }
  return [...caps, ...AFTER_LOGIN];
}
