import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeXtext, encodeXtext, parsePath } from './path.ts';

const RUNS = { numRuns: 1000 };
const atom = fc.stringMatching(/^[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,12}$/);
const local = fc.array(atom, { minLength: 1, maxLength: 3 }).map((a) => a.join('.'));
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
const domain = fc.array(label, { minLength: 1, maxLength: 4 }).map((a) => a.join('.'));
const address = fc.tuple(local, domain).map(([l, d]) => `${l}@${d}`);
const key = fc.stringMatching(/^[A-Z][A-Z0-9-]{0,9}$/);
/** Parameter values: printable, spaces and `+`/`=` included (xtext carries them). */
const value = fc.stringMatching(/^[\x20-\x7e]{1,20}$/);
const params = fc.uniqueArray(fc.tuple(key, fc.option(value, { nil: true as const })), { selector: ([k]) => k, maxLength: 5 });

test('parsePath never throws, whatever the line', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (s) => {
      parsePath(s, 'FROM');
      parsePath(s, 'TO');
    }),
    RUNS,
  );
  fc.assert(
    fc.property(fc.array(fc.constantFrom('FROM', 'TO', ':', '<', '>', '@', ' ', '=', '+0D', 'a', '.', '[', ']', 'IPv6:', '\u0000'), { maxLength: 25 }), (parts) => {
      parsePath(parts.join(''), 'FROM');
      parsePath(parts.join(''), 'TO');
    }),
    RUNS,
  );
});

test('round trip: an address with parameters, formatted and xtext-encoded, parses back to itself', () => {
  fc.assert(
    fc.property(address, params, fc.constantFrom<'FROM' | 'TO'>('FROM', 'TO'), fc.boolean(), (addr, ps, kw, spaced) => {
      const text = `${kw}:${spaced ? ' ' : ''}<${addr}>${ps.map(([k, v]) => (v === true ? ` ${k}` : ` ${k}=${encodeXtext(v)}`)).join('')}`;
      const r = parsePath(text, kw);
      assert.ok(r.ok, text);
      assert.equal(r.path.address, addr);
      assert.deepEqual({ ...r.path.params }, Object.fromEntries(ps));
      assert.equal('duplicate' in r, false);
    }),
    RUNS,
  );
});

test('xtext: decode(encode(v)) = v', () => {
  fc.assert(fc.property(fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x00-\xff]/g, '')), (v) => assert.equal(decodeXtext(encodeXtext(v)), v)), RUNS);
});

test('RFC 5321 examples and hostile paths', () => {
  const ok: [string, 'FROM' | 'TO', string][] = [
    ['FROM:<>', 'FROM', ''],
    ['FROM:<userx@y.foo.org>', 'FROM', 'userx@y.foo.org'],
    ['TO:<@hosta.int,@jkl.org:userc@d.bar.org>', 'TO', 'userc@d.bar.org'],
    ['TO:<Postmaster>', 'TO', 'Postmaster'],
    ['to:<a@[192.0.2.1]>', 'TO', 'a@[192.0.2.1]'],
    ['TO:<a@[IPv6:2001:db8::1]>', 'TO', 'a@[IPv6:2001:db8::1]'],
    ['FROM:<jörg@bücher.example>', 'FROM', 'jörg@bücher.example'],
  ];
  for (const [text, kw, addr] of ok) {
    const r = parsePath(text, kw);
    assert.ok(r.ok, text);
    assert.equal(r.path.address, addr, text);
  }
  const bad: [string, 'FROM' | 'TO'][] = [
    ['FROM:leo@example.net', 'FROM'],
    ['FROM:<bad address>', 'FROM'],
    ['TO:<victim@elsewhere.net@example.org>', 'TO'],
    ['TO:<"victim@elsewhere.net">', 'TO'],
    ['TO:<a@[300.1.1.1]>', 'TO'],
    ['FROM:<.a@b.c>', 'FROM'],
    ['FROM:<a..b@c.d>', 'FROM'],
    ['FROM:<a@-b.c->', 'FROM'],
    ['FROM:<Postmaster>', 'FROM'],
    ['TO <a@b.c>', 'TO'],
    ['FROM:<a@b.c> ENVID=x+0D+0AInjected: 1', 'FROM'],
    ['FROM:<a\u0000@b.c>', 'FROM'],
    ['TO:<a@b.c>', 'FROM'],
  ];
  for (const [text, kw] of bad) assert.equal(parsePath(text, kw).ok, false, text);
  const dup = parsePath('FROM:<a@b.c> SIZE=1 size=2', 'FROM');
  assert.ok(dup.ok && dup.duplicate === 'SIZE');
});
