/**
 * The BODYSTRUCTURE fields of one part, read from its header (RFC 2045, RFC 2183, RFC 3066,
 * RFC 2557, RFC 1864). Parameter continuations and charsets (RFC 2231) are decoded by libmime.
 */
import libmime from 'libmime';
import { decodeWords } from './charset.ts';
import { firstField, type HeaderField } from './headers.ts';
import type { Disposition, MimePart } from './types.ts';

/** The header-derived fields of a MimePart, before offsets and children are known. */
export type PartFields = Pick<
  MimePart,
  'type' | 'subtype' | 'params' | 'id' | 'description' | 'encoding' | 'md5' | 'disposition' | 'language' | 'location'
>;

const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;

interface Parsed {
  value: string;
  params: Record<string, string>;
}

function parseValue(value: string): Parsed {
  try {
    const parsed = libmime.parseHeaderValue(value, { stripComments: true });
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed.params)) {
      const key = k.toLowerCase().trim();
      // Keys that are not tokens come from garbage such as `;;"`; they cannot be serialised.
      if (TOKEN.test(key) && typeof v === 'string') params[key] = v;
    }
    return { value: (parsed.value || '').trim(), params };
  } catch {
    return { value: value.split(';')[0]?.trim() ?? '', params: {} };
  }
}

function stripComments(value: string): string {
  return value.replace(/\([^()]*\)/g, ' ').trim();
}

/**
 * Reads the part fields; `defaultType` is message/rfc822 inside multipart/digest
 * (RFC 2046 §5.1.5) and text/plain elsewhere (RFC 2045 §5.2).
 */
export function readPartFields(fields: readonly HeaderField[], inDigest: boolean): PartFields {
  const ct = firstField(fields, 'content-type');
  let type = inDigest ? 'message' : 'text';
  let subtype = inDigest ? 'rfc822' : 'plain';
  let params: Record<string, string> = inDigest ? {} : { charset: 'us-ascii' };
  if (ct !== null) {
    const parsed = parseValue(ct);
    const m = /^([^/\s]+)\s*\/\s*([^/\s]+)$/.exec(parsed.value.toLowerCase());
    if (m && TOKEN.test(m[1]!) && TOKEN.test(m[2]!)) {
      type = m[1]!;
      subtype = m[2]!;
      params = parsed.params;
    }
  }
  // RFC 2047 §5 forbids encoded words in parameters, but mailers put them in names anyway.
  for (const key of ['name', 'filename']) {
    if (params[key] !== undefined) params[key] = decodeWords(params[key]);
  }
  const cd = firstField(fields, 'content-disposition');
  let disposition: Disposition | null = null;
  if (cd !== null) {
    const parsed = parseValue(cd);
    const dtype = parsed.value.toLowerCase();
    if (TOKEN.test(dtype)) {
      if (parsed.params.filename !== undefined) parsed.params.filename = decodeWords(parsed.params.filename);
      disposition = { type: dtype, params: parsed.params };
    }
  }
  const lang = firstField(fields, 'content-language');
  const language = lang === null ? null : stripComments(lang).split(/[\s,]+/).filter((s) => s !== '');
  return {
    type,
    subtype,
    params,
    id: firstField(fields, 'content-id'),
    description: firstField(fields, 'content-description'),
    encoding: stripComments(firstField(fields, 'content-transfer-encoding') ?? '').toLowerCase() || '7bit',
    md5: firstField(fields, 'content-md5'),
    disposition,
    language: language && language.length > 0 ? language : null,
    location: firstField(fields, 'content-location'),
  };
}
