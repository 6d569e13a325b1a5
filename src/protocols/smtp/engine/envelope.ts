/**
 * The envelope of one mail transaction and the checks of its ESMTP parameters: SIZE (RFC 1870),
 * BODY (RFC 6152), SMTPUTF8 (RFC 6531), RET/ENVID (MAIL) and NOTIFY/ORCPT (RCPT) of DSN (RFC 3461).
 * Pure: a parameter error comes back as the SmtpReply to send.
 */
import type { SmtpPath } from './path.ts';
import { smtpReply, type SmtpReply } from './reply.ts';

export type DsnNotify = 'NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY';

export interface SmtpRecipient extends SmtpPath {
  /** RCPT NOTIFY= values, upper-case. */
  readonly notify?: readonly DsnNotify[];
  /** RCPT ORCPT= (addr-type;xtext-decoded address). */
  readonly orcpt?: string;
}

export interface SmtpEnvelope {
  mailFrom: SmtpPath | null;
  readonly rcptTo: SmtpRecipient[];
  /** MAIL SIZE= (0 when not declared). */
  size: number;
  bodyType: '7bit' | '8bitmime';
  smtpUtf8: boolean;
  /** MAIL RET= and ENVID= (DSN). */
  ret: 'FULL' | 'HDRS' | null;
  envid: string | null;
}

export function emptyEnvelope(): SmtpEnvelope {
  return { mailFrom: null, rcptTo: [], size: 0, bodyType: '7bit', smtpUtf8: false, ret: null, envid: null };
}

const SIZE = /^\d{1,20}$/;
const NOTIFY_VALUES: readonly string[] = ['NEVER', 'SUCCESS', 'FAILURE', 'DELAY'];
const ORCPT = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+;./i;

export function sizeTooBig(max: number): SmtpReply {
  return smtpReply(552, '5.3.4', `Error: message exceeds fixed maximum message size ${max}`);
}

/** Applies MAIL FROM's parameters to `env`, or returns the refusal (env untouched then). */
export function applyMailParams(env: SmtpEnvelope, path: SmtpPath, maxSize: number): SmtpReply | null {
  const p = path.params;
  let size = 0;
  if (p.SIZE !== undefined) {
    if (p.SIZE === true || !SIZE.test(p.SIZE)) return smtpReply(501, '5.5.4', 'Error: Bad message size syntax');
    size = Number(p.SIZE);
    // RFC 1870 §6.1: refuse at MAIL what can never be accepted.
    if (size > maxSize) return sizeTooBig(maxSize);
  }
  let body: SmtpEnvelope['bodyType'] = '7bit';
  if (p.BODY !== undefined) {
    const b = p.BODY === true ? '' : p.BODY.toLowerCase();
    // BINARYMIME needs BDAT (RFC 3030), which we do not offer.
    if (b !== '7bit' && b !== '8bitmime') return smtpReply(501, '5.5.4', 'Invalid BODY parameter value. Must be 7BIT or 8BITMIME');
    body = b;
  }
  if (p.SMTPUTF8 !== undefined && p.SMTPUTF8 !== true) return smtpReply(501, '5.5.4', 'Invalid SMTPUTF8 parameter. This flag does not accept a value');
  let ret: SmtpEnvelope['ret'] = null;
  if (p.RET !== undefined) {
    const r = p.RET === true ? '' : p.RET.toUpperCase();
    if (r !== 'FULL' && r !== 'HDRS') return smtpReply(501, '5.5.4', 'Invalid RET parameter value. Must be FULL or HDRS');
    ret = r;
  }
  env.size = size;
  env.bodyType = body;
  env.smtpUtf8 = p.SMTPUTF8 === true;
  env.ret = ret;
  env.envid = typeof p.ENVID === 'string' ? p.ENVID : null;
  return null;
}

/** RCPT TO's DSN parameters, or the refusal. */
export function recipientOf(path: SmtpPath): SmtpRecipient | SmtpReply {
  const p = path.params;
  let notify: DsnNotify[] | undefined;
  if (typeof p.NOTIFY === 'string') {
    const values = p.NOTIFY.toUpperCase().split(',');
    if (!values.every((v) => NOTIFY_VALUES.includes(v))) return smtpReply(501, '5.5.4', 'Error: NOTIFY parameter must be NEVER, SUCCESS, FAILURE, or DELAY');
    if (values.includes('NEVER') && values.length > 1) return smtpReply(501, '5.5.4', 'Error: NOTIFY=NEVER cannot be combined with other values');
    notify = values as DsnNotify[];
  }
  let orcpt: string | undefined;
  if (typeof p.ORCPT === 'string') {
    if (!ORCPT.test(p.ORCPT)) return smtpReply(501, '5.5.4', 'Error: Bad ORCPT parameter syntax');
    orcpt = p.ORCPT;
  }
  if (notify === undefined && orcpt === undefined) return path;
  return { ...path, ...(notify ? { notify } : {}), ...(orcpt !== undefined ? { orcpt } : {}) };
}
