/**
 * The PROXY protocol (HAProxy, versions 1 and 2): the header a load balancer sends before the
 * client's first byte to say whom it is relaying. Pure: `parseProxyHeader` looks at the bytes
 * received so far and says "need more", "here is the header and its length" or "not a valid
 * header, because …". It never looks past the header's end, so the caller hands exactly the bytes
 * after `length` to the protocol.
 *
 * Version 1: one US-ASCII line of at most 107 bytes,
 *   `PROXY TCP4|TCP6 <src> <dst> <sport> <dport>\r\n` or `PROXY UNKNOWN[ anything]\r\n`.
 * Version 2: the 12-byte signature, version/command, family/transport, a 16-bit length, the
 * addresses, then TLVs (skipped; their framing is checked). LOCAL (the balancer's own health
 * check) and the UNSPEC / UNIX families carry no client address: `endpoints` is null and the
 * connection's own addresses stand.
 */
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './ip-address.ts';

/** Longest v1 line, CRLF included (spec §2.1). */
export const PROXY_V1_MAX_BYTES = 107;
export const PROXY_V2_SIGNATURE: Uint8Array = Uint8Array.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Uint8Array.from(Buffer.from('PROXY ', 'latin1'));
/** Address block sizes (spec §2.2). */
const V2_INET_BYTES = 12;
const V2_INET6_BYTES = 36;
const V2_UNIX_BYTES = 216;

export interface ProxyEndpoints {
  readonly family: 'IPv4' | 'IPv6';
  /** Canonical text (`192.0.2.1`, `2001:db8::1`). */
  readonly sourceAddress: string;
  readonly sourcePort: number;
  readonly destinationAddress: string;
  readonly destinationPort: number;
}

export interface ProxyHeader {
  readonly version: 1 | 2;
  /** `local`: a v2 LOCAL header (the balancer speaking for itself). */
  readonly command: 'proxy' | 'local';
  /** Null: no client address given (v1 UNKNOWN, v2 LOCAL, UNSPEC or UNIX); keep the socket's. */
  readonly endpoints: ProxyEndpoints | null;
  /** Bytes the header occupies; everything after belongs to the relayed protocol. */
  readonly length: number;
}

export type ProxyParseResult =
  | { readonly status: 'incomplete' }
  | { readonly status: 'done'; readonly header: ProxyHeader }
  | { readonly status: 'invalid'; readonly reason: string };

const INCOMPLETE: ProxyParseResult = { status: 'incomplete' };
const invalid = (reason: string): ProxyParseResult => ({ status: 'invalid', reason });

/** True if the first `min(a.length, b.length)` bytes agree. */
function prefixMatches(buf: Uint8Array, expected: Uint8Array): boolean {
  const n = Math.min(buf.length, expected.length);
  for (let i = 0; i < n; i++) if (buf[i] !== expected[i]) return false;
  return true;
}

/** Parses the header at the start of `buf` (the bytes received so far). */
export function parseProxyHeader(buf: Uint8Array): ProxyParseResult {
  if (buf.length === 0) return INCOMPLETE;
  if (buf[0] === V1_PREFIX[0]) return parseV1(buf);
  if (buf[0] === PROXY_V2_SIGNATURE[0]) return parseV2(buf);
  return invalid('not a PROXY protocol header');
}

const PORT = /^(0|[1-9]\d{0,4})$/;

function parsePort(text: string): number | null {
  if (!PORT.test(text)) return null;
  const n = Number(text);
  return n <= 65535 ? n : null;
}

function parseV1(buf: Uint8Array): ProxyParseResult {
  if (!prefixMatches(buf, V1_PREFIX)) return invalid('not a PROXY protocol header');
  // The CR may sit at index 105 at the latest: CRLF then ends the 107th byte.
  const scan = Math.min(buf.length, PROXY_V1_MAX_BYTES - 1);
  let cr = -1;
  for (let i = 0; i < scan; i++) {
    const b = buf[i] ?? 0;
    if (b === 0x0d) {
      cr = i;
      break;
    }
    if (b < 0x20 || b > 0x7e) return invalid('v1: a byte that is not printable US-ASCII in the header line');
  }
  if (cr < 0) {
    return buf.length >= PROXY_V1_MAX_BYTES - 1 ? invalid(`v1: no CRLF within ${PROXY_V1_MAX_BYTES} bytes`) : INCOMPLETE;
  }
  if (cr + 1 >= buf.length) return INCOMPLETE;
  if (buf[cr + 1] !== 0x0a) return invalid('v1: CR not followed by LF');
  const length = cr + 2;
  const line = Buffer.from(buf.subarray(V1_PREFIX.length, cr)).toString('latin1');
  const parts = line.split(' ');
  const proto = parts[0];
  if (proto === 'UNKNOWN') return { status: 'done', header: { version: 1, command: 'proxy', endpoints: null, length } };
  if (proto !== 'TCP4' && proto !== 'TCP6') return invalid(`v1: unknown protocol "${proto ?? ''}" (expected TCP4, TCP6 or UNKNOWN)`);
  if (parts.length !== 5) return invalid(`v1: expected "PROXY ${proto} <src> <dst> <sport> <dport>"`);
  const [, src = '', dst = '', sport = '', dport = ''] = parts;
  const v4 = proto === 'TCP4';
  const srcBytes = v4 ? parseIPv4(src) : parseIPv6(src);
  const dstBytes = v4 ? parseIPv4(dst) : parseIPv6(dst);
  if (!srcBytes) return invalid(`v1: bad ${v4 ? 'IPv4' : 'IPv6'} source address`);
  if (!dstBytes) return invalid(`v1: bad ${v4 ? 'IPv4' : 'IPv6'} destination address`);
  const sourcePort = parsePort(sport);
  const destinationPort = parsePort(dport);
  if (sourcePort === null) return invalid('v1: bad source port');
  if (destinationPort === null) return invalid('v1: bad destination port');
  const format = v4 ? formatIPv4 : formatIPv6;
  return {
    status: 'done',
    header: {
      version: 1,
      command: 'proxy',
      length,
      endpoints: {
        family: v4 ? 'IPv4' : 'IPv6',
        sourceAddress: format(srcBytes),
        sourcePort,
        destinationAddress: format(dstBytes),
        destinationPort,
      },
    },
  };
}

function parseV2(buf: Uint8Array): ProxyParseResult {
  if (!prefixMatches(buf, PROXY_V2_SIGNATURE)) return invalid('not a PROXY protocol header');
  if (buf.length > 12) {
    const verCmd = buf[12] ?? 0;
    if (verCmd >> 4 !== 2) return invalid(`v2: unsupported version ${verCmd >> 4}`);
    if ((verCmd & 0x0f) > 1) return invalid(`v2: unknown command ${verCmd & 0x0f}`);
  }
  if (buf.length > 13) {
    const fam = buf[13] ?? 0;
    if (fam >> 4 > 3 || (fam & 0x0f) > 2 || (fam !== 0 && (fam >> 4 === 0 || (fam & 0x0f) === 0))) {
      return invalid(`v2: unknown address family/transport 0x${fam.toString(16).padStart(2, '0')}`);
    }
  }
  if (buf.length < 16) return INCOMPLETE;
  const local = ((buf[12] ?? 0) & 0x0f) === 0;
  const fam = buf[13] ?? 0;
  const blockLength = ((buf[14] ?? 0) << 8) | (buf[15] ?? 0);
  const family = fam >> 4;
  if (!local) {
    if ((fam & 0x0f) === 2) return invalid('v2: a datagram (UDP) header on a stream listener');
    const need = family === 1 ? V2_INET_BYTES : family === 2 ? V2_INET6_BYTES : family === 3 ? V2_UNIX_BYTES : 0;
    if (blockLength < need) return invalid(`v2: address block of ${blockLength} bytes, ${need} needed`);
  }
  const length = 16 + blockLength;
  if (buf.length < length) return INCOMPLETE;
  if (local || (family !== 1 && family !== 2)) {
    return { status: 'done', header: { version: 2, command: local ? 'local' : 'proxy', endpoints: null, length } };
  }
  const v4 = family === 1;
  const size = v4 ? 4 : 16;
  const at = 16;
  const src = buf.subarray(at, at + size);
  const dst = buf.subarray(at + size, at + 2 * size);
  const portAt = at + 2 * size;
  const sourcePort = ((buf[portAt] ?? 0) << 8) | (buf[portAt + 1] ?? 0);
  const destinationPort = ((buf[portAt + 2] ?? 0) << 8) | (buf[portAt + 3] ?? 0);
  // TLVs: type (1), length (2), value; they must tile the rest of the block exactly.
  for (let t = portAt + 4; t < length; ) {
    if (t + 3 > length) return invalid('v2: truncated TLV');
    const tlvEnd = t + 3 + (((buf[t + 1] ?? 0) << 8) | (buf[t + 2] ?? 0));
    if (tlvEnd > length) return invalid('v2: TLV runs past the header');
    t = tlvEnd;
  }
  const format = v4 ? formatIPv4 : formatIPv6;
  return {
    status: 'done',
    header: {
      version: 2,
      command: 'proxy',
      length,
      endpoints: {
        family: v4 ? 'IPv4' : 'IPv6',
        sourceAddress: format(src),
        sourcePort,
        destinationAddress: format(dst),
        destinationPort,
      },
    },
  };
}

/** A v1 header (null endpoints: `PROXY UNKNOWN`). For tests and for relaying onwards. */
export function encodeProxyV1(endpoints: ProxyEndpoints | null): Buffer {
  if (!endpoints) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  const proto = endpoints.family === 'IPv4' ? 'TCP4' : 'TCP6';
  const e = endpoints;
  return Buffer.from(`PROXY ${proto} ${e.sourceAddress} ${e.destinationAddress} ${e.sourcePort} ${e.destinationPort}\r\n`, 'latin1');
}

export interface ProxyV2Tlv {
  readonly type: number;
  readonly value: Uint8Array;
}

/** A v2 header: PROXY with endpoints (TCP over IPv4/IPv6), or LOCAL when `endpoints` is null. */
export function encodeProxyV2(endpoints: ProxyEndpoints | null, tlvs: readonly ProxyV2Tlv[] = []): Buffer {
  const tlvBytes = Buffer.concat(
    tlvs.map((t) => {
      const head = Buffer.alloc(3);
      head[0] = t.type;
      head.writeUInt16BE(t.value.length, 1);
      return Buffer.concat([head, t.value]);
    }),
  );
  let block = Buffer.alloc(0);
  let fam = 0x00;
  if (endpoints) {
    const v4 = endpoints.family === 'IPv4';
    const parse = v4 ? parseIPv4 : parseIPv6;
    const src = parse(endpoints.sourceAddress);
    const dst = parse(endpoints.destinationAddress);
    if (!src || !dst) throw new RangeError('encodeProxyV2: bad address');
    const ports = Buffer.alloc(4);
    ports.writeUInt16BE(endpoints.sourcePort, 0);
    ports.writeUInt16BE(endpoints.destinationPort, 2);
    block = Buffer.concat([src, dst, ports]);
    fam = v4 ? 0x11 : 0x21;
  }
  block = Buffer.concat([block, tlvBytes]);
  const head = Buffer.alloc(16);
  head.set(PROXY_V2_SIGNATURE, 0);
  head[12] = endpoints ? 0x21 : 0x20;
  head[13] = fam;
  head.writeUInt16BE(block.length, 14);
  return Buffer.concat([head, block]);
}
