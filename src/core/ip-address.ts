/**
 * IP addresses and CIDR ranges as bytes: strict parsing (dotted quads without leading zeros,
 * IPv6 with `::` and an optional dotted IPv4 tail, no zone ids), canonical text (RFC 5952:
 * lowercase, the longest run of zero groups shortened to `::`, `::ffff:a.b.c.d` for mapped
 * IPv4) and range membership. Pure: the PROXY protocol parser and the `[proxy] trusted` list use it.
 */

export type IpFamily = 4 | 6;

export interface IpAddress {
  readonly family: IpFamily;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

export interface Cidr extends IpAddress {
  /** Leading bits that must match: 0–32 (IPv4) or 0–128 (IPv6). */
  readonly prefix: number;
}

const OCTET = /^(0|[1-9]\d{0,2})$/;
const HEXTET = /^[0-9a-fA-F]{1,4}$/;

export function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    if (!OCTET.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    bytes[i] = n;
  }
  return bytes;
}

/** Parses the groups on one side of `::` (or the whole address); null if any is malformed. */
function hextets(text: string, allowV4Tail: boolean): number[] | null {
  if (text === '') return [];
  const groups = text.split(':');
  const out: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i] ?? '';
    if (allowV4Tail && i === groups.length - 1 && g.includes('.')) {
      const v4 = parseIPv4(g);
      if (!v4) return null;
      out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      continue;
    }
    if (!HEXTET.test(g)) return null;
    out.push(parseInt(g, 16));
  }
  return out;
}

export function parseIPv6(text: string): Uint8Array | null {
  if (text.length > 45) return null;
  const halves = text.split('::');
  let groups: number[];
  if (halves.length === 1) {
    const all = hextets(text, true);
    if (!all || all.length !== 8) return null;
    groups = all;
  } else if (halves.length === 2) {
    const head = hextets(halves[0] ?? '', false);
    const tail = hextets(halves[1] ?? '', true);
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    return null;
  }
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

export function parseIp(text: string): IpAddress | null {
  const v4 = parseIPv4(text);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseIPv6(text);
  return v6 ? { family: 6, bytes: v6 } : null;
}

export function formatIPv4(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4)).join('.');
}

export function formatIPv6(bytes: Uint8Array): string {
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${formatIPv4(bytes.subarray(12, 16))}`;
  }
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  // The longest run of two or more zero groups (the first one on a tie) becomes `::`.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

export function formatIp(addr: IpAddress): string {
  return addr.family === 4 ? formatIPv4(addr.bytes) : formatIPv6(addr.bytes);
}

/** `10.0.0.0/8`, `fd00::/8`, or a single address (`127.0.0.1` = `/32`, `::1` = `/128`). */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return null;
  const max = ip.family === 4 ? 32 : 128;
  if (slash < 0) return { ...ip, prefix: max };
  const bits = text.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(bits) || Number(bits) > max) return null;
  return { ...ip, prefix: Number(bits) };
}

/**
 * The address a peer really has: Node reports IPv4 peers of a dual-stack listener as
 * `::ffff:a.b.c.d`, which an IPv4 range must still match.
 */
function unmapped(addr: IpAddress): IpAddress {
  const b = addr.bytes;
  if (addr.family === 6 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) {
    return { family: 4, bytes: b.slice(12, 16) };
  }
  return addr;
}

export function cidrContains(cidr: Cidr, address: string): boolean {
  const parsed = parseIp(address);
  if (!parsed) return false;
  const addr = cidr.family === 4 ? unmapped(parsed) : parsed;
  if (addr.family !== cidr.family) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((addr.bytes[i] ?? 0) & mask) !== ((cidr.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

export function anyCidrContains(ranges: readonly Cidr[], address: string): boolean {
  return ranges.some((r) => cidrContains(r, address));
}
