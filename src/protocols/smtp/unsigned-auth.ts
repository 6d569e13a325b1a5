/**
 * Verification of a message that carries no signature (no DKIM-Signature, ARC-Seal,
 * ARC-Message-Signature or ARC-Authentication-Results field): SPF and DMARC from the header
 * block alone, giving exactly what mailauth 4.13.3's `authenticate` gives for it.
 *
 * `authenticate` reads the whole message through its DKIM verifier, which walks every body byte
 * in JS (line-end repair, body hashing) even when there is no signature to check; for an
 * unsigned message none of that reaches the result. This module repeats what `authenticate`
 * does with the header block (lib/mailauth.js, lib/dkim/message-parser.js and
 * lib/dkim/dkim-verifier.js: the header end, the From addresses, the ARC chain), using
 * mailauth's own helpers and its own copies of addressparser and libmime, and then calls
 * mailauth's `spf`, `arc` and `dmarc` as `authenticate` does. unsigned-auth.test.ts runs both
 * over many messages and DNS answers and compares the results byte for byte; pin mailauth and
 * rerun it before any upgrade.
 */
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import os from 'node:os';
import { arc, dmarc, spf, type ARCData, type DMARCResult, type SPFResult } from 'mailauth';
import type { DnsLookup } from './dns-resolver.ts';

/** A header row as mailauth's parseHeaders gives it. */
interface HeaderRow {
  readonly key: string | null;
  readonly line: Buffer;
}
interface ParsedHeaders {
  readonly parsed: HeaderRow[];
}
interface Address {
  readonly address?: string;
}

// The modules mailauth itself loads (it has its own nodemailer and libmime underneath).
const fromMailauth = createRequire(createRequire(import.meta.url).resolve('mailauth'));
const tools = fromMailauth('./tools.js') as {
  parseHeaders: (buf: Buffer) => ParsedHeaders;
  formatAuthHeaderRow: (method: string, status: DkimNone['status']) => string;
};
const arcLib = fromMailauth('./arc/index.js') as { getARChain: (headers: ParsedHeaders) => ARCData['chain'] | false };
const addressparser = fromMailauth('nodemailer/lib/addressparser') as (value: string) => Address[];
const libmime = fromMailauth('libmime') as { foldLines: (s: string, len: number) => string };

/** Fields that make a message "signed": DKIM (RFC 6376) and ARC (RFC 8617). */
const SIGNATURE_KEYS = new Set(['dkim-signature', 'arc-seal', 'arc-message-signature', 'arc-authentication-results']);

export interface UnsignedInput {
  readonly raw: Buffer;
  /** Client address as mailauth gets it (IPv4-mapped IPv6 already made plain). */
  readonly ip: string;
  readonly helo: string;
  readonly sender: string;
  readonly mta: string;
  readonly resolver: DnsLookup;
}

/** The one DKIM result of an unsigned message (DkimVerifier.finalChunk). */
interface DkimNone {
  readonly status: { readonly result: 'none'; readonly comment: 'message not signed' };
  readonly info: string;
}

/** What auth-tasks.ts needs of the results; the same fields as `authenticate` returns. */
export interface UnsignedResult {
  readonly headers: string;
  readonly dkim: { readonly results: readonly DkimNone[] };
  readonly spf: SPFResult | false;
  readonly dmarc: DMARCResult | false;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * The header block as mailauth's MessageParser sees it: its line-end repair turns an LF into
 * CRLF unless the last byte before it that was not an LF is a CR, and the block ends at the
 * first LF that follows LF or LF CR in that repaired stream. Null when there is no such end
 * (mailauth then takes the whole message as the header; this path leaves that to it).
 */
export function mailauthHeaderBlock(raw: Uint8Array): Buffer | null {
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  // The usual case: CRLF throughout, so the repaired stream is the message itself up to the
  // first LF CR LF (no LF LF can come before it, as that needs a bare LF).
  const end = buf.indexOf('\n\r\n');
  if (end >= 0 && !hasBareLf(buf, end + 3)) return buf.subarray(0, end + 3);
  return repairedHeaderBlock(buf);
}

/** Whether `buf[0, end)` has an LF that is not right after a CR. */
function hasBareLf(buf: Buffer, end: number): boolean {
  for (let i = buf.indexOf(LF); i !== -1 && i < end; i = buf.indexOf(LF, i + 1)) {
    if (i === 0 || buf[i - 1] !== CR) return true;
  }
  return false;
}

/** mailauthHeaderBlock byte by byte, repairing line ends as mailauth does. */
function repairedHeaderBlock(raw: Buffer): Buffer | null {
  const out: number[] = [];
  let last = -1; // the last byte that was not an LF (ensureLinebreaks' lastByte)
  let p1 = -1; // the repaired stream's last two bytes
  let p2 = -1;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== LF) {
      last = c;
      out.push(c);
      p2 = p1;
      p1 = c;
      continue;
    }
    if (last !== CR) {
      out.push(CR);
      p2 = p1;
      p1 = CR;
    }
    out.push(LF);
    if (p1 === LF || (p1 === CR && p2 === LF)) return Buffer.from(out);
    p2 = p1;
    p1 = LF;
  }
  return null;
}

/** The header rows, or null when the message is signed or its header has no end. */
export function unsignedHeaders(raw: Uint8Array): ParsedHeaders | null {
  const block = mailauthHeaderBlock(raw);
  if (!block) return null;
  const headers = tools.parseHeaders(block);
  for (const row of headers.parsed) if (row.key !== null && SIGNATURE_KEYS.has(row.key)) return null;
  return headers;
}

/** The From addresses as DkimVerifier.messageHeaders collects them. */
function headerFrom(headers: ParsedHeaders): string[] {
  const out: string[] = [];
  for (const row of headers.parsed) {
    if (row.key !== 'from') continue;
    let value = row.line.toString();
    const colon = value.indexOf(':');
    if (colon >= 0) value = value.substring(colon + 1);
    for (const addr of addressparser(value.trim())) if (addr && addr.address) out.push(addr.address);
  }
  return out;
}

/** `authenticate` for a message whose header `unsignedHeaders` accepted (BIMI off, no seal). */
export async function verifyUnsigned(input: UnsignedInput, headers: ParsedHeaders): Promise<UnsignedResult> {
  const mta = input.mta || os.hostname();
  const from = headerFrom(headers);
  let chain: ARCData['chain'] | false = false;
  try {
    chain = arcLib.getARChain(headers);
  } catch {
    // Only ARC fields make it throw, and those take the full path.
  }
  const ip = input.ip;
  let helo = input.helo;
  if (!helo && ip) helo = ip;
  if (helo && isIP(helo)) helo = `[${helo}]`;
  const spfResult = await spf({ ip, helo, sender: input.sender, mta, resolver: input.resolver });
  const arcResult = await arc({ chain: chain as ARCData['chain'] }, { resolver: input.resolver });

  const status = { result: 'none', comment: 'message not signed' } as const;
  const dkimNone: DkimNone = { status, info: tools.formatAuthHeaderRow('dkim', status) };
  const headerLines: string[] = [];
  const arHeader: string[] = [libmime.foldLines(dkimNone.info, 160)];
  if (spfResult) {
    arHeader.push(libmime.foldLines(spfResult.info, 160));
    headerLines.push(spfResult.header);
  }
  if (arcResult?.info) arHeader.push(libmime.foldLines(arcResult.info, 160));
  const dmarcResult = await dmarc({
    headerFrom: from,
    spfDomains: spfResult && spfResult.status.result === 'pass' && spfResult.domain ? [spfResult.domain] : [],
    dkimDomains: [],
    arcResult,
    resolver: input.resolver,
  });
  if (dmarcResult && dmarcResult.info) arHeader.push(libmime.foldLines(dmarcResult.info, 160));
  headerLines.push(`Authentication-Results: ${mta};\r\n ` + arHeader.join(';\r\n '));
  return {
    headers: headerLines.join('\r\n') + '\r\n',
    dkim: { results: [dkimNone] },
    spf: spfResult,
    dmarc: dmarcResult || false,
  };
}
