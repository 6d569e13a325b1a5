import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cachedDnsLookup } from './dns-cache.ts';

function counting(fail?: (name: string) => string | null) {
  const asked: string[] = [];
  const lookup = async (name: string, rrtype: string): Promise<string[][]> => {
    asked.push(`${rrtype} ${name}`);
    const code = fail?.(name);
    if (code) throw Object.assign(new Error(code), { code });
    return [[`v=spf1 -all ${asked.length}`]];
  };
  return { asked, lookup };
}

test('answers are shared by concurrent askers and kept for the TTL', async () => {
  let t = 0;
  const { asked, lookup } = counting();
  const dns = cachedDnsLookup(lookup, { ttlMs: 1000, now: () => t });
  const [a, b] = await Promise.all([dns('Example.org', 'TXT'), dns('example.org', 'TXT')]);
  assert.deepEqual(a, b);
  assert.equal(asked.length, 1);
  t = 999;
  await dns('example.org', 'TXT');
  assert.equal(asked.length, 1);
  await dns('example.org', 'MX');
  assert.equal(asked.length, 2, 'another record type is another question');
  t = 1001;
  await dns('example.org', 'TXT');
  assert.equal(asked.length, 3, 'expired');
});

test('"no such record" is cached for the negative TTL; timeouts are not cached', async () => {
  let t = 0;
  const { asked, lookup } = counting((name) => (name === 'none.example' ? 'ENODATA' : name === 'slow.example' ? 'ETIMEOUT' : null));
  const dns = cachedDnsLookup(lookup, { negativeTtlMs: 500, now: () => t });
  await assert.rejects(dns('none.example', 'TXT'), { code: 'ENODATA' });
  await assert.rejects(dns('none.example', 'TXT'), { code: 'ENODATA' });
  assert.equal(asked.length, 1);
  t = 600;
  await assert.rejects(dns('none.example', 'TXT'));
  assert.equal(asked.length, 2);
  await assert.rejects(dns('slow.example', 'TXT'), { code: 'ETIMEOUT' });
  await assert.rejects(dns('slow.example', 'TXT'), { code: 'ETIMEOUT' });
  assert.equal(asked.length, 4);
});

test('at most `max` entries', async () => {
  const { asked, lookup } = counting();
  const dns = cachedDnsLookup(lookup, { max: 2 });
  for (const n of ['a.example', 'b.example', 'c.example']) await dns(n, 'TXT');
  await dns('c.example', 'TXT');
  assert.equal(asked.length, 3);
  await dns('a.example', 'TXT');
  assert.equal(asked.length, 4, 'the oldest went');
});
