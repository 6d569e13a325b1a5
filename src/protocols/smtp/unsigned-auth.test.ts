/**
 * The unsigned fast path must give what mailauth's `authenticate` gives: every message below is
 * verified both ways under many DNS setups, and the headers, verdict, SPF and DMARC results and
 * the DNS questions asked are compared exactly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { authenticate } from 'mailauth';
import { verifyFully, verifyMessage } from './auth-tasks.ts';
import type { AuthCheckInput } from './authentication-results.ts';
import type { DnsLookup } from './dns-resolver.ts';
import { mailauthHeaderBlock, unsignedHeaders, verifyUnsigned } from './unsigned-auth.ts';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env.FUZZ_ITERATIONS ?? 150);

type Zone = Record<string, string[] | 'timeout' | 'servfail' | 'refused'>;

function dnsOf(zone: Zone, log: string[]): DnsLookup {
  return async (name, rrtype) => {
    log.push(`${rrtype} ${name}`);
    const v = zone[`${rrtype} ${name.toLowerCase()}`];
    const fail = (code: string): never => {
      const err = new Error(`${code} ${name}`) as Error & { code: string };
      err.code = code;
      throw err;
    };
    if (v === 'timeout') return fail('ETIMEOUT');
    if (v === 'servfail') return fail('ESERVFAIL');
    if (v === 'refused') return fail('EREFUSED');
    if (!v) return fail('ENOTFOUND');
    return rrtype === 'TXT' ? v.map((s) => [s]) : v;
  };
}

const SPF: Record<string, Zone> = {
  pass: { 'TXT sender.example': ['v=spf1 ip4:192.0.2.0/24 -all'] },
  fail: { 'TXT sender.example': ['v=spf1 ip4:198.51.100.1 -all'] },
  softfail: { 'TXT sender.example': ['v=spf1 ~all'] },
  neutral: { 'TXT sender.example': ['v=spf1 ?all'] },
  none: {},
  temperror: { 'TXT sender.example': 'timeout' },
  servfail: { 'TXT sender.example': 'servfail' },
  permerror: { 'TXT sender.example': ['v=spf1 include:loop.sender.example -all'], 'TXT loop.sender.example': ['v=spf1 include:sender.example -all'] },
  two: { 'TXT sender.example': ['v=spf1 -all', 'v=spf1 +all'] },
  mx: { 'TXT sender.example': ['v=spf1 mx a:host.sender.example -all'], 'MX sender.example': [], 'A host.sender.example': ['192.0.2.7'] },
  helo: { 'TXT source.sender.example': ['v=spf1 ip4:192.0.2.7 -all'] },
};
const DMARC: Record<string, Zone> = {
  none: {},
  pNone: { 'TXT _dmarc.sender.example': ['v=DMARC1; p=none'] },
  quarantine: { 'TXT _dmarc.sender.example': ['v=DMARC1; p=quarantine; pct=50'] },
  reject: { 'TXT _dmarc.sender.example': ['v=DMARC1; p=reject; aspf=s'] },
  org: { 'TXT _dmarc.example.org': ['v=DMARC1; p=reject; sp=quarantine'] },
  strict: { 'TXT _dmarc.sender.example': ['v=DMARC1; p=reject; aspf=s; adkim=s'] },
  temperror: { 'TXT _dmarc.sender.example': 'servfail' },
  refused: { 'TXT _dmarc.sender.example': 'refused' },
  two: { 'TXT _dmarc.sender.example': ['v=DMARC1; p=none', 'v=DMARC1; p=reject'] },
};

const BODY = 'Hello\r\n\r\nA body line\r\n';
const HEADERS: string[] = [
  'From: <a@sender.example>\r\nTo: b@rcpt.example\r\nSubject: hi\r\n',
  'From: "Sender, A." <a@SENDER.example>\r\nSubject: hi\r\n',
  'To: b@rcpt.example\r\nSubject: no from\r\n',
  'From: a@sender.example\r\nFrom: c@other.example\r\n',
  'From: a@sender.example, c@other.example\r\n',
  'From: group: a@sender.example, b@sender.example;\r\n',
  'From:\r\n\t"Folded"\r\n <a@sender.example>\r\n',
  'from :a@sub.example.org\r\n',
  'FROM: x@sub.deep.example.org (comment)\r\n',
  'From: =?utf-8?Q?K=C3=A4se?= <a@sender.example>\r\nSubject: \xc3\xa4\xc3\xb6 8-bit\r\n',
  'From: J\xf6rg <j@sender.example>\r\nX-Latin1: \xe4\xf6\xfc\r\n',
  'From: a@b\xc3\xbccher.example\r\n',
  'From: not an address\r\n',
  'From: <>\r\n',
  'no colon line\r\nFrom: a@sender.example\r\n',
  ' leading continuation\r\nFrom: a@sender.example\r\n',
  'From: a@sender.example\nSubject: bare LF\n',
  'From: a@sender.example\r\nSubject: mixed\n',
  'Received: from x by y; Sun, 29 Nov 2026 04:00:00 +0000\r\nReturn-Path: <r@sender.example>\r\nFrom: a@sender.example\r\n',
  'From: a@sender.example\r\nX-Dkim-Signature-Like: no\r\nX-ARC: no\r\n',
];
const SEPARATORS = ['\r\n', '\n', '\r\n\n', '\n\r\n'];

interface Envelope {
  ip: string;
  helo: string;
  sender: string;
}
const ENVELOPES: Envelope[] = [
  { ip: '192.0.2.7', helo: 'source.sender.example', sender: 'a@sender.example' },
  { ip: '::ffff:192.0.2.7', helo: 'source.sender.example', sender: 'bounce@sender.example' },
  { ip: '192.0.2.7', helo: 'source.sender.example', sender: '' },
  { ip: '2001:db8::7', helo: '[2001:db8::7]', sender: 'x@sub.example.org' },
  { ip: '192.0.2.7', helo: '192.0.2.7', sender: 'a@sender.example' },
  { ip: '198.51.100.9', helo: '', sender: 'a@SENDER.EXAMPLE' },
];

async function compare(raw: Buffer, zone: Zone, env: Envelope, label: string): Promise<void> {
  const fullLog: string[] = [];
  const fastLog: string[] = [];
  const base = { raw, remoteAddress: env.ip, helo: env.helo, sender: env.sender, hostname: 'mx.rcpt.example' };
  const full: AuthCheckInput = { ...base, dns: dnsOf(zone, fullLog) };
  const fast: AuthCheckInput = { ...base, dns: dnsOf(zone, fastLog) };
  const headers = unsignedHeaders(raw);
  const expected = await verifyFully(full);
  const got = await verifyMessage(fast);
  assert.deepEqual(got, expected, `${label}: verdict differs`);
  assert.deepEqual(fastLog, fullLog, `${label}: DNS questions differ`);
  if (headers) {
    // The SPF and DMARC results themselves, not only what the verdict keeps of them.
    const ip = env.ip.replace(/^::ffff:/, '');
    const result = await authenticate(raw, { ip, helo: env.helo, sender: env.sender, mta: 'mx.rcpt.example', resolver: full.dns, disableBimi: true });
    const mine = await verifyUnsigned({ raw, ip, helo: env.helo, sender: env.sender, mta: 'mx.rcpt.example', resolver: fast.dns }, headers);
    assert.equal(mine.headers, result.headers, label);
    assert.deepEqual(mine.spf, result.spf, label);
    assert.deepEqual(mine.dmarc, result.dmarc, label);
    assert.deepEqual(mine.dkim.results, result.dkim.results, label);
  }
}

void test('unsigned messages: the same results as authenticate under every SPF and DMARC setup', async () => {
  let fastPath = 0;
  for (const [spfName, spfZone] of Object.entries(SPF)) {
    for (const [dmarcName, dmarcZone] of Object.entries(DMARC)) {
      for (const [hi, h] of HEADERS.entries()) {
        const sep = SEPARATORS[hi % SEPARATORS.length]!;
        const env = ENVELOPES[(hi + spfName.length + dmarcName.length) % ENVELOPES.length]!;
        const raw = Buffer.from(h + sep + BODY, 'latin1');
        if (unsignedHeaders(raw)) fastPath++;
        await compare(raw, { ...spfZone, ...dmarcZone }, env, `spf=${spfName} dmarc=${dmarcName} header ${hi}`);
      }
    }
  }
  // Nearly all of them must really have taken the fast path, or this compares nothing.
  assert.ok(fastPath >= Object.keys(SPF).length * Object.keys(DMARC).length * (HEADERS.length - 2), `fast path taken ${fastPath} times`);
});

void test('every envelope shape, with a DMARC pass and fail', async () => {
  for (const env of ENVELOPES) {
    for (const zone of [{ ...SPF.pass, ...DMARC.reject }, { ...SPF.fail, ...DMARC.quarantine }, { ...SPF.helo, ...DMARC.pNone }]) {
      await compare(Buffer.from(HEADERS[0]! + '\r\n' + BODY), zone, env, JSON.stringify(env));
    }
  }
});

void test('the verdict: quarantine only for a DMARC fail under p=quarantine or p=reject', async () => {
  const raw = Buffer.from(HEADERS[0]! + '\r\n' + BODY);
  const env = { remoteAddress: '198.51.100.9', helo: 'h.example', sender: 'a@sender.example', hostname: 'mx.rcpt.example' };
  const reject = await verifyMessage({ ...env, raw, dns: dnsOf({ ...SPF.pass, ...DMARC.reject }, []) });
  assert.equal(reject.quarantine, true);
  assert.equal(reject.summary, 'spf=fail dkim=none dmarc=fail policy=reject');
  const none = await verifyMessage({ ...env, raw, dns: dnsOf({ ...SPF.pass, ...DMARC.pNone }, []) });
  assert.equal(none.quarantine, false);
  const pass = await verifyMessage({ ...env, remoteAddress: '192.0.2.7', raw, dns: dnsOf({ ...SPF.pass, ...DMARC.reject }, []) });
  assert.equal(pass.summary, 'spf=pass dkim=none dmarc=pass policy=reject');
  assert.match(pass.headers, /^Received-SPF: pass .*\r\nAuthentication-Results: mx\.rcpt\.example;\r\n dkim=none \(message not signed\);\r\n spf=pass/s);
});

void test('signed messages and headers without an end take the full path', () => {
  for (const h of [
    'DKIM-Signature: v=1; a=rsa-sha256; d=sender.example; s=s; h=from; bh=x; b=y\r\nFrom: a@sender.example\r\n\r\nbody',
    'From: a@sender.example\r\ndkim-signature :v=1\r\n\r\nbody',
    'ARC-Seal: i=1; a=rsa-sha256; cv=none; d=x; s=y; b=z\r\n\r\nbody',
    'arc-message-signature: i=1\r\n\r\nbody',
    'ARC-Authentication-Results: i=1; x\r\n\r\nbody',
    'From: a@sender.example\r\nSubject: no blank line\r\n',
    'From: a@sender.example',
    '',
  ]) {
    assert.equal(unsignedHeaders(Buffer.from(h)), null, JSON.stringify(h));
  }
  assert.notEqual(unsignedHeaders(Buffer.from('From: a@b\r\nX-DKIM-Signature: no\r\n\r\n')), null);
});

void test('the header block ends where mailauth\'s line-end repair puts the first empty line', () => {
  const cases: [string, string | null][] = [
    ['A: 1\r\n\r\nbody', 'A: 1\r\n\r\n'],
    ['A: 1\n\nbody', 'A: 1\r\n\r\n'],
    ['A: 1\r\n\nbody', 'A: 1\r\n\n'], // an LF after CRLF is not repaired (the last non-LF byte is CR)
    ['\r\nA: 1\r\n\r\nbody', '\r\nA: 1\r\n\r\n'], // a leading empty line does not end the block
    ['\r\n\r\nbody', '\r\n\r\n'],
    ['\nA\n\n', '\r\nA\r\n\r\n'],
    ['A: 1\r\n\r\r\nB', null],
    ['A: 1', null],
  ];
  for (const [raw, block] of cases) {
    assert.equal(mailauthHeaderBlock(Buffer.from(raw))?.toString() ?? null, block, JSON.stringify(raw));
  }
});

/** mailauth's own header/body splitter, as the oracle for mailauthHeaderBlock. */
const { MessageParser } = createRequire(createRequire(import.meta.url).resolve('mailauth'))('./dkim/message-parser.js') as {
  MessageParser: new () => NodeJS.WritableStream & { state: string; messageHeaders: (h: { original: Buffer }) => Promise<void> };
};

async function mailauthsBlock(raw: Buffer): Promise<string | null> {
  const parser = new MessageParser();
  let block: string | null = null;
  parser.messageHeaders = async (h) => {
    if (parser.state === 'body') block = h.original.toString('latin1');
  };
  await new Promise<void>((resolve, reject) => {
    parser.on('finish', resolve);
    parser.on('error', reject);
    parser.end(raw);
  });
  return block;
}

void test(`mailauthHeaderBlock agrees with mailauth's MessageParser (seed ${SEED})`, async () => {
  const bytes = fc.array(fc.constantFrom('\r', '\n', '\r\n', 'a', ': ', ' ', '\n\r\n'), { maxLength: 30 }).map((xs) => xs.join(''));
  await fc.assert(
    fc.asyncProperty(bytes, async (text) => {
      const raw = Buffer.from(text, 'latin1');
      assert.equal(mailauthHeaderBlock(raw)?.toString('latin1') ?? null, await mailauthsBlock(raw), JSON.stringify(text));
    }),
    { seed: SEED, numRuns: RUNS * 10 },
  );
});

// Generated header blocks: field names (From among them), values with 8-bit bytes, folding,
// addresses, line ends of every kind, and the odd line that is not a field.
const line = fc.oneof(
  fc.constantFrom(
    'From: a@sender.example', 'From: "X Y" <a@sub.example.org>', 'From: a@sender.example, b@other.example',
    'from: <>', 'From:', 'Subject: \xe4\xf6\xfc', 'To: t@rcpt.example', 'Received: from x by y', 'X-A: \xff\xfe',
    '\tfolded continuation', ' folded <c@sender.example>', 'not a field', ': empty name', 'From : spaced@sender.example',
  ),
  fc.tuple(fc.constantFrom('From', 'Reply-To', 'X-Foo', 'Subject'), fc.string({ unit: 'binary-ascii', maxLength: 30 })).map(([k, v]) => `${k}: ${v}`),
);
const headerBlock = fc.tuple(fc.array(fc.tuple(line, fc.constantFrom('\r\n', '\n', '\r\r\n')), { maxLength: 8 }), fc.constantFrom('\r\n', '\n'));

void test(`generated header blocks: the same results as authenticate (seed ${SEED})`, async () => {
  const setups = Object.values(SPF).flatMap((s) => [DMARC.none!, DMARC.reject!, DMARC.org!].map((d) => ({ ...s, ...d })));
  await fc.assert(
    fc.asyncProperty(headerBlock, fc.nat({ max: setups.length - 1 }), fc.nat({ max: ENVELOPES.length - 1 }), async ([lines, end], zi, ei) => {
      const text = lines.map(([l, e]) => l + e).join('') + end + 'body\r\n';
      await compare(Buffer.from(text, 'latin1'), setups[zi]!, ENVELOPES[ei]!, JSON.stringify(text));
    }),
    { seed: SEED, numRuns: RUNS },
  );
});
