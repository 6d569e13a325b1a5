import assert from 'node:assert/strict';
import { isIPv6 } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { anyCidrContains, formatIPv4, formatIPv6, parseCidr, parseIPv4, parseIPv6 } from './ip-address.ts';
import {
  encodeProxyV1,
  encodeProxyV2,
  parseProxyHeader,
  PROXY_V1_MAX_BYTES,
  PROXY_V2_SIGNATURE,
  type ProxyEndpoints,
  type ProxyHeader,
  type ProxyParseResult,
} from './proxy-protocol.ts';

const RUNS = { numRuns: 500 };
const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

// ---- generators -------------------------------------------------------------------------------

const v4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map(formatIPv4);
/** IPv6 with many zero groups too, so that `::` shortening is exercised. */
const v6 = fc
  .array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
  .map((groups) => formatIPv6(Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff]))));
const port = fc.integer({ min: 0, max: 65535 });
const endpoints: fc.Arbitrary<ProxyEndpoints> = fc
  .oneof(
    fc.record({ family: fc.constant('IPv4' as const), sourceAddress: v4, sourcePort: port, destinationAddress: v4, destinationPort: port }),
    fc.record({ family: fc.constant('IPv6' as const), sourceAddress: v6, sourcePort: port, destinationAddress: v6, destinationPort: port }),
  )
  .map((e) => ({ ...e }));
const tlvs = fc.array(fc.record({ type: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ maxLength: 40 }) }), { maxLength: 4 });

interface Case {
  readonly wire: Buffer;
  readonly header: ProxyHeader;
}

const headerCase: fc.Arbitrary<Case> = fc.oneof(
  fc.option(endpoints).map((e) => {
    const wire = encodeProxyV1(e);
    return { wire, header: { version: 1 as const, command: 'proxy' as const, endpoints: e, length: wire.length } };
  }),
  fc.tuple(fc.option(endpoints), tlvs).map(([e, t]) => {
    const wire = encodeProxyV2(e, e ? t : []);
    return { wire, header: { version: 2 as const, command: e ? ('proxy' as const) : ('local' as const), endpoints: e, length: wire.length } };
  }),
);

/** What the protocol would send right after the header (sometimes something header-like itself). */
const trailing = fc.oneof(fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)), fc.constant(bytes('a1 LOGIN x y\r\n')), fc.constant(Buffer.from(PROXY_V2_SIGNATURE)));

/** Feeds `wire` in the given pieces, as a socket reader does: parse the buffer after each chunk. */
function feed(wire: Buffer, cuts: number[]): { result: ProxyParseResult; consumed: Buffer } {
  const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
  let buffered = Buffer.alloc(0);
  let start = 0;
  for (const end of [...points, wire.length]) {
    buffered = Buffer.concat([buffered, wire.subarray(start, end)]);
    start = end;
    const result = parseProxyHeader(buffered);
    if (result.status !== 'incomplete') return { result, consumed: buffered };
  }
  return { result: { status: 'incomplete' }, consumed: buffered };
}

// ---- properties --------------------------------------------------------------------------------

test('property: generated v1 and v2 headers parse back to what was encoded, whatever follows', () => {
  fc.assert(
    fc.property(headerCase, trailing, ({ wire, header }, tail) => {
      assert.deepEqual(parseProxyHeader(Buffer.concat([wire, tail])), { status: 'done', header });
      if (header.version === 1) assert.ok(wire.length <= PROXY_V1_MAX_BYTES);
    }),
    RUNS,
  );
});

test('property: arbitrary chunk splits give the same header and leave every later byte untouched', () => {
  fc.assert(
    fc.property(headerCase, trailing, fc.array(fc.nat(), { maxLength: 8 }), ({ wire, header }, tail, cuts) => {
      const all = Buffer.concat([wire, tail]);
      const { result, consumed } = feed(all, cuts);
      assert.deepEqual(result, { status: 'done', header });
      // What the reader hands on: exactly the bytes after the header.
      assert.deepEqual(Buffer.concat([consumed.subarray(header.length), all.subarray(consumed.length)]), tail);
    }),
    RUNS,
  );
});

test('property: every proper prefix of a header is incomplete, never invalid or done', () => {
  fc.assert(
    fc.property(headerCase, ({ wire }) => {
      for (let n = 0; n < wire.length; n++) assert.deepEqual(parseProxyHeader(wire.subarray(0, n)), { status: 'incomplete' }, `prefix ${n}`);
    }),
    { numRuns: 200 },
  );
});

test('property: the verdict never depends on bytes past the header', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 32 }), (raw, more) => {
      const buf = Buffer.from(raw);
      const r = parseProxyHeader(buf);
      if (r.status === 'done') {
        assert.ok(r.header.length <= buf.length);
        assert.deepEqual(parseProxyHeader(buf.subarray(0, r.header.length)), r);
        assert.deepEqual(parseProxyHeader(Buffer.concat([buf.subarray(0, r.header.length), more])), r);
      } else if (r.status === 'invalid') {
        // Rejected means rejected: more bytes cannot make it valid.
        assert.deepEqual(parseProxyHeader(Buffer.concat([buf, more])), r);
      }
    }),
    { numRuns: 2000 },
  );
});

test('property: garbage that is not a header prefix is rejected at once', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (raw) => {
      fc.pre(raw[0] !== 0x50 && raw[0] !== 0x0d);
      assert.deepEqual(parseProxyHeader(raw), { status: 'invalid', reason: 'not a PROXY protocol header' });
    }),
  );
});

test('property: one corrupted byte in a v2 header is rejected or still reads as a well-formed header', () => {
  fc.assert(
    fc.property(headerCase, fc.nat(), fc.integer({ min: 1, max: 255 }), ({ wire, header }, at, xor) => {
      fc.pre(header.version === 2);
      const bad = Buffer.from(wire);
      const i = at % 16; // signature, version/command, family, length
      bad[i] = (bad[i] ?? 0) ^ xor;
      const r = parseProxyHeader(bad);
      if (i < 12) assert.equal(r.status, 'invalid');
      if (i === 12 && (bad[12] ?? 0) >> 4 !== 2) assert.deepEqual(r, { status: 'invalid', reason: `v2: unsupported version ${(bad[12] ?? 0) >> 4}` });
      if (r.status === 'done') assert.ok(r.header.length <= bad.length);
    }),
    RUNS,
  );
});

// ---- examples: the spec's own and each rejection -----------------------------------------------

test('v1 examples from the spec', () => {
  assert.deepEqual(parseProxyHeader(bytes('PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\n')), {
    status: 'done',
    header: {
      version: 1,
      command: 'proxy',
      length: 47,
      endpoints: { family: 'IPv4', sourceAddress: '192.168.0.1', sourcePort: 56324, destinationAddress: '192.168.0.11', destinationPort: 443 },
    },
  });
  const six = parseProxyHeader(bytes('PROXY TCP6 2001:DB8:0:0:0:0:0:1 ::ffff:192.0.2.1 1 65535\r\n'));
  assert.equal(six.status, 'done');
  assert.deepEqual(six.status === 'done' && six.header.endpoints, {
    family: 'IPv6',
    sourceAddress: '2001:db8::1',
    sourcePort: 1,
    destinationAddress: '::ffff:192.0.2.1',
    destinationPort: 65535,
  });
  assert.deepEqual(parseProxyHeader(bytes('PROXY UNKNOWN\r\n')), { status: 'done', header: { version: 1, command: 'proxy', endpoints: null, length: 15 } });
  assert.deepEqual(parseProxyHeader(bytes('PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n')), {
    status: 'done',
    header: { version: 1, command: 'proxy', endpoints: null, length: 35 },
  });
  // The worst case is exactly 107 bytes.
  const longest = bytes(`PROXY TCP6 ${'ffff:'.repeat(7)}ffff ${'ffff:'.repeat(7)}ffff 65535 65535\r\n`);
  assert.equal(longest.length, 104);
  const padded = bytes(`PROXY UNKNOWN ${'x'.repeat(PROXY_V1_MAX_BYTES - 16)}\r\n`);
  assert.equal(padded.length, PROXY_V1_MAX_BYTES);
  assert.equal(parseProxyHeader(padded).status, 'done');
});

test('v1 rejections name the problem', () => {
  const reason = (s: string | Buffer): string => {
    const r = parseProxyHeader(typeof s === 'string' ? bytes(s) : s);
    assert.equal(r.status, 'invalid', String(s));
    return r.status === 'invalid' ? r.reason : '';
  };
  assert.equal(reason('GET / HTTP/1.1\r\n'), 'not a PROXY protocol header');
  assert.equal(reason('PROXX'), 'not a PROXY protocol header');
  assert.equal(reason('a1 LOGIN'), 'not a PROXY protocol header');
  assert.equal(reason(`PROXY UNKNOWN ${'x'.repeat(PROXY_V1_MAX_BYTES - 15)}\r\n`), 'v1: no CRLF within 107 bytes');
  assert.equal(reason(`PROXY UNKNOWN ${'x'.repeat(200)}`), 'v1: no CRLF within 107 bytes');
  assert.equal(reason('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n'), 'v1: a byte that is not printable US-ASCII in the header line');
  assert.equal(reason('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX'), 'v1: CR not followed by LF');
  assert.equal(reason('PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n'), 'v1: unknown protocol "UDP4" (expected TCP4, TCP6 or UNKNOWN)');
  assert.equal(reason('PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n'), 'v1: expected "PROXY TCP4 <src> <dst> <sport> <dport>"');
  assert.equal(reason('PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n'), 'v1: expected "PROXY TCP4 <src> <dst> <sport> <dport>"');
  assert.equal(reason('PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n'), 'v1: bad IPv4 source address');
  assert.equal(reason('PROXY TCP4 1.2.3.4 ::1 1 2\r\n'), 'v1: bad IPv4 destination address');
  assert.equal(reason('PROXY TCP6 1.2.3.4 ::1 1 2\r\n'), 'v1: bad IPv6 source address');
  assert.equal(reason('PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n'), 'v1: bad source port');
  assert.equal(reason('PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n'), 'v1: bad destination port');
  assert.equal(reason(Buffer.concat([bytes('PROXY TCP4 1.2.3.4 5.6.7.8 1 2'), Buffer.from([0xe9]), bytes('\r\n')])), 'v1: a byte that is not printable US-ASCII in the header line');
});

test('v2: LOCAL, UNSPEC, UNIX, TLVs and each rejection', () => {
  const sig = Buffer.from(PROXY_V2_SIGNATURE);
  const head = (verCmd: number, fam: number, len: number): Buffer => {
    const h = Buffer.alloc(4);
    h[0] = verCmd;
    h[1] = fam;
    h.writeUInt16BE(len, 2);
    return Buffer.concat([sig, h]);
  };
  assert.deepEqual(parseProxyHeader(encodeProxyV2(null)), { status: 'done', header: { version: 2, command: 'local', endpoints: null, length: 16 } });
  // LOCAL skips whatever block it carries.
  assert.deepEqual(parseProxyHeader(Buffer.concat([head(0x20, 0x11, 3), Buffer.from([1, 2, 3, 9])])), {
    status: 'done',
    header: { version: 2, command: 'local', endpoints: null, length: 19 },
  });
  assert.deepEqual(parseProxyHeader(head(0x21, 0x00, 0)), { status: 'done', header: { version: 2, command: 'proxy', endpoints: null, length: 16 } });
  assert.deepEqual(parseProxyHeader(Buffer.concat([head(0x21, 0x31, 216), Buffer.alloc(216)])), {
    status: 'done',
    header: { version: 2, command: 'proxy', endpoints: null, length: 232 },
  });
  const withTlv = encodeProxyV2(
    { family: 'IPv4', sourceAddress: '203.0.113.9', sourcePort: 40000, destinationAddress: '10.0.0.1', destinationPort: 993 },
    [{ type: 0x20, value: Buffer.from([1, 0, 0, 0, 0]) }],
  );
  assert.equal(withTlv.length, 16 + 12 + 8);
  const ok = parseProxyHeader(withTlv);
  assert.equal(ok.status === 'done' && ok.header.endpoints?.sourceAddress, '203.0.113.9');

  const reason = (b: Buffer): string => {
    const r = parseProxyHeader(b);
    assert.equal(r.status, 'invalid', b.toString('hex'));
    return r.status === 'invalid' ? r.reason : '';
  };
  assert.equal(reason(Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0b])), 'not a PROXY protocol header');
  assert.equal(reason(Buffer.concat([sig, Buffer.from([0x11])])), 'v2: unsupported version 1');
  assert.equal(reason(Buffer.concat([sig, Buffer.from([0x22])])), 'v2: unknown command 2');
  assert.equal(reason(Buffer.concat([sig, Buffer.from([0x21, 0x41])])), 'v2: unknown address family/transport 0x41');
  assert.equal(reason(Buffer.concat([sig, Buffer.from([0x21, 0x13])])), 'v2: unknown address family/transport 0x13');
  assert.equal(reason(Buffer.concat([sig, Buffer.from([0x21, 0x10])])), 'v2: unknown address family/transport 0x10');
  assert.equal(reason(head(0x21, 0x12, 12)), 'v2: a datagram (UDP) header on a stream listener');
  assert.equal(reason(head(0x21, 0x11, 11)), 'v2: address block of 11 bytes, 12 needed');
  assert.equal(reason(head(0x21, 0x21, 12)), 'v2: address block of 12 bytes, 36 needed');
  assert.equal(reason(Buffer.concat([head(0x21, 0x11, 14), Buffer.alloc(14)])), 'v2: truncated TLV');
  assert.equal(reason(Buffer.concat([head(0x21, 0x11, 15), Buffer.alloc(12), Buffer.from([0x04, 0x00, 0x01])])), 'v2: TLV runs past the header');
  // A length past what arrived is just incomplete.
  assert.deepEqual(parseProxyHeader(head(0x21, 0x11, 12)), { status: 'incomplete' });
});

test('IP addresses and CIDR ranges', () => {
  for (const [text, canonical] of [
    ['::', '::'],
    ['::1', '::1'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['fe80:0:0:0:1::', 'fe80::1:0:0:0'], ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['::ffff:10.1.2.3', '::ffff:10.1.2.3'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
  ] as const) {
    const b = parseIPv6(text);
    assert.ok(b, text);
    assert.equal(formatIPv6(b), canonical);
  }
  for (const bad of ['', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '::1%eth0', 'g::1', '12345::', '1.2.3.4', '::1.2.3']) assert.equal(parseIPv6(bad), null, bad);
  for (const bad of ['1.2.3', '1.2.3.4.5', '01.2.3.4', '256.0.0.1', '1.2.3.-1', ' 1.2.3.4']) assert.equal(parseIPv4(bad), null, bad);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (raw) => {
      const text = formatIPv6(raw);
      assert.ok(isIPv6(text), text);
      assert.deepEqual(parseIPv6(text), raw);
    }),
    RUNS,
  );

  const ranges = ['10.0.0.0/8', '127.0.0.1', 'fd00::/8', '192.168.1.128/25'].map((c) => parseCidr(c)!);
  const inside = ['10.255.0.1', '127.0.0.1', '::ffff:127.0.0.1', '::ffff:10.0.0.9', 'fd12::1', '192.168.1.200'];
  const outside = ['11.0.0.1', '127.0.0.2', 'fe80::1', '192.168.1.127', '::1', 'not-an-ip', ''];
  for (const a of inside) assert.equal(anyCidrContains(ranges, a), true, a);
  for (const a of outside) assert.equal(anyCidrContains(ranges, a), false, a);
  assert.equal(anyCidrContains([parseCidr('0.0.0.0/0')!], '8.8.8.8'), true);
  assert.equal(anyCidrContains([parseCidr('::/0')!], '::ffff:8.8.8.8'), true);
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/08', 'localhost', '10/8']) assert.equal(parseCidr(bad), null, bad);
});
