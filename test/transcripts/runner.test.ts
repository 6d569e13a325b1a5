/**
 * Tests of the transcript runner itself, against the fake protocol in fake-protocol.ts: the
 * format's features pass in every variant, and each kind of failure is reported with the
 * variant, the file line and the exchange so far.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startImapTestServer, type ImapTestServer } from '../helpers/imap-server.ts';
import { matchLine } from '../helpers/imap-match.ts';
import { pipelineEvents, probeCapabilities, runTranscript, TranscriptFailure, VARIANTS, type Variant } from '../helpers/imap-runner.ts';
import { parseTranscript, TranscriptSyntaxError } from '../helpers/imap-transcript.ts';
import { fakeProtocol } from './fake-protocol.ts';

const GOOD = `# everything the format offers, against the fake protocol
account alice@example.org secret

S: * OK [CAPABILITY IMAP4rev1 <*>] fake ready
C: a CAPABILITY
S: * CAPABILITY IMAP4rev1 FAKE LITERAL+
S: a OK *
C: b LOGIN alice@example.org secret
S: b OK [CAPABILITY <*> AFTERLOGIN] Logged in
C: c TOKEN
S: * OK [UIDVALIDITY \${uv}] *
S: c OK done
C: d ECHO \${uv} x
S: * ECHO \${uv} x
S: d OK done
C: e ECHO {5}
S: + go ahead
hello
.
C:  and {10+}
two
lines
.
C:  end
S: * ECHO {5}
hello
.
S:  and {10}
two
lines
.
S:  end
S: e OK done
C: f LEN {10}
S: + *
line one
.
C:
S: * LEN 10
S: f OK done
C: g SHUFFLE
S~: * 2 THING
S~: * 3 THING
S~: * 1 THING
S: g OK done
S2: * OK [CAPABILITY <*>] fake ready
C2: a IDLE
S2: + idling
C: h BROADCAST news
S: h OK sent
S2: * BROADCAST news
C2: DONE
S2: a OK IDLE done
C2: b NOOP <<repeat 3 ab>>
S2: b BAD unknown command
C2: c LOGOUT
S2: * BYE fake logging out
S2: c OK LOGOUT completed
C: z LOGOUT
S: * BYE *
S: z OK LOGOUT completed
`;

let server: ImapTestServer;
before(async () => {
  server = await startImapTestServer({ protocol: fakeProtocol });
});
after(async () => {
  await server.close();
});

function run(text: string, variant: Variant = VARIANTS[0]!, stepTimeoutMs = 5000): Promise<void> {
  return runTranscript(parseTranscript('fake.txt', text), { port: server.port, variant, stepTimeoutMs });
}

async function failure(text: string, variant: Variant = VARIANTS[0]!, stepTimeoutMs = 5000): Promise<string> {
  try {
    await run(text, variant, stepTimeoutMs);
  } catch (err) {
    assert.ok(err instanceof TranscriptFailure, `not a TranscriptFailure: ${String(err)}`);
    return err.message;
  }
  assert.fail('the transcript passed but should have failed');
}

describe('a transcript using every feature passes', () => {
  for (const variant of VARIANTS) {
    test(variant.name, () => run(GOOD, variant));
  }
});

describe('failures are reported', () => {
  test('a mismatching line names the variant, the line and what came instead', async () => {
    const msg = await failure('x 1\n\nS: * OK *\nC: a CAPABILITY\nS: * CAPABILITY IMAP4rev2\nS: a OK done\n'.replace('x 1\n', '# c\n'), VARIANTS[2]);
    assert.match(msg, /fake\.txt \[3-byte writes\]: line 5: expected/);
    assert.match(msg, /S1: \* CAPABILITY IMAP4rev2 \(line 5\)/);
    assert.match(msg, /but received\n {2}\* CAPABILITY IMAP4rev1 FAKE LITERAL\+/);
    assert.match(msg, /exchange so far[^]*C1> a CAPABILITY/);
  });

  test('a missing answer times out with what was expected', async () => {
    const msg = await failure('# c\n\nS: * OK *\nC: a HANG\nS: a OK done\n', VARIANTS[0], 300);
    assert.match(msg, /timed out after 300 ms waiting on connection 1 for\n {2}S1: a OK done \(line 5\)/);
  });

  test('output after the last expected line is unexpected', async () => {
    const msg = await failure('# c\n\nS: * OK *\nC: a NOISE\nS: a OK done\n');
    assert.match(msg, /unexpected output on connection 1 after its last expected line/);
    assert.match(msg, /\* EXTRA unexpected/);
  });

  test('extra output before an expected line is a mismatch', async () => {
    const msg = await failure('# c\n\nS: * OK *\nC: a NOISE\nS: a OK done\nC: b LOGOUT\nS: * BYE *\nS: b OK *\n');
    assert.match(msg, /line 7: expected\n {2}S1: \* BYE \* \(line 7\)\nbut received\n {2}\* EXTRA unexpected/);
  });

  test('a capture must keep its value', async () => {
    const msg = await failure('# c\n\nS: * OK *\nC: a TOKEN\nS: * OK [UIDVALIDITY ${v}] *\nS: a OK done\nC: b BUMP\nS: b OK bumped\nC: c TOKEN\nS: * OK [UIDVALIDITY ${v}] *\nS: c OK done\n');
    assert.match(msg, /line 10: expected/);
  });

  test('literal octets must be equal', async () => {
    const msg = await failure('# c\n\nS: * OK *\nC: a ECHO {3+}\nabc\n.\nC:\nS: * ECHO {3}\nabd\n.\nS:\nS: a OK done\n');
    assert.match(msg, /line 8: expected/);
    assert.match(msg, /\| abc/);
  });

  test('an unordered group that does not fit', async () => {
    const msg = await failure('# c\n\nS: * OK *\nC: a SHUFFLE\nS~: * 1 THING\nS~: * 2 THING\nS~: * 4 THING\nS: a OK done\n');
    assert.match(msg, /lines 5-7: the unordered group/);
  });

  test('an unordered group cut short by the tagged response fails at once', async () => {
    const msg = await failure('# c\n\nS: * OK *\nC: a SHUFFLE\nS~: * 1 THING\nS~: * 2 THING\nS~: * 3 THING\nS~: * 4 THING\nS: a OK done\n', VARIANTS[0], 2000);
    assert.match(msg, /received a tagged response after only 3 of its 4 responses/);
  });

  test('a server that closes early', async () => {
    const msg = await failure('# c\n\nS: * OK *\nC: a LOGOUT\nS: * BYE *\nS: a OK *\nS: * OK more\n');
    assert.match(msg, /closed by the server while waiting for\n {2}S1: \* OK more/);
  });

  test('a capture used before it is bound', async () => {
    const msg = await failure('# c\n\nS: * OK *\nC: a ECHO ${nope}\nS: a OK done\n');
    assert.match(msg, /line 4: \$\{nope\} is used before an S line captured it/);
  });
});

function bad(text: string, re: RegExp): void {
  assert.throws(() => parseTranscript('bad.txt', text), (err: unknown) => err instanceof TranscriptSyntaxError && re.test(err.message));
}

describe('the parser', () => {
  test('a wrong literal count is refused with both counts', () => {
    bad('# c\n\nC: a ECHO {4+}\nabc\n.\nC:\n', /bad\.txt:3: literal announces \{4\} but its block holds 3 octets \(5 with a final CRLF\)/);
  });
  test('a data block needs its terminator', () => {
    bad('# c\n\nC: a ECHO {3+}\nabc\n', /no terminating "\." line/);
  });
  test('a refused literal needs pipeline: no', () => {
    bad('# c\n\nS: * OK *\nC: a APPEND x {5000}\nS: a NO [TOOBIG] *\n', /pipeline: no/);
  });
  test('unknown fixture lines', () => {
    bad('acount a@b c\n\nC: a NOOP\n', /bad\.txt:1: unknown fixture line/);
  });
  test('fixtures', () => {
    const t = parseTranscript('f.txt', 'requires: CONDSTORE QRESYNC\npipeline: no\naccount a@example.org pw quota=5000\nmailbox Work/Sub\nsetting imap.enabled false\nmessage INBOX inline flags=\\Seen,$Label date=2026-01-01T00:00:00Z\nSubject: x\n\nbody\n.\nmessage INBOX sample:2\n\nS: * OK *\n');
    assert.deepEqual(t.requires, ['CONDSTORE', 'QRESYNC']);
    assert.equal(t.pipeline, false);
    const a = t.accounts[0]!;
    assert.equal(a.quotaBytes, 5000);
    assert.deepEqual(a.mailboxes, ['Work/Sub']);
    assert.deepEqual(a.settings, [['imap.enabled', 'false']]);
    assert.deepEqual(a.messages[0]!.flags, ['\\Seen', '$Label']);
    assert.equal(a.messages[0]!.inline!.toString(), 'Subject: x\r\n\r\nbody\r\n');
    assert.equal(a.messages[1]!.source, 'sample:2');
  });
  test('a refused literal with pipeline: no', () => run('pipeline: no\n\nS: * OK *\nC: a APPEND x {5000}\nS: a NO [TOOBIG] *\nC: b LOGOUT\nS: * BYE *\nS: b OK *\n'));
  test('pipelining merges one connection\'s runs and drops literal continuations', () => {
    const t = parseTranscript('p.txt', GOOD);
    const sends = pipelineEvents(t.events).filter((e) => e.kind === 'send');
    const first = sends[0]!.pieces.map((p) => (p.kind === 'text' ? p.text : `<${p.data.length}>`)).join('');
    assert.equal(first, 'a CAPABILITY\r\nb LOGIN alice@example.org secret\r\nc TOKEN\r\n');
    const literal = sends[1]!.pieces.map((p) => (p.kind === 'text' ? p.text : `<${p.data.length}>`)).join('');
    assert.equal(literal, 'd ECHO ${uv} x\r\ne ECHO {5+}\r\n<5> and {10+}\r\n<10> end\r\nf LEN {10+}\r\n<10>\r\ng SHUFFLE\r\n');
    assert.ok(!pipelineEvents(t.events).some((e) => e.kind === 'expect' && e.literalContinuation));
  });
});

describe('POP3 framing and connection lines', () => {
  test('a POP3 transcript has no literals: `{n}` is plain text in C and S lines', () => {
    const t = parseTranscript('p.txt', '# c\n\nS: +OK ready\nC: RETR {5}\nS: -ERR {5}\nS: .\n', 'pop3');
    assert.equal(t.protocol, 'pop3');
    const sends = t.events.filter((e) => e.kind === 'send');
    assert.deepEqual(sends[0]!.pieces, [{ kind: 'text', text: 'RETR {5}\r\n' }]);
    assert.deepEqual(
      t.events.filter((e) => e.kind === 'expect').map((e) => e.texts),
      [['+OK ready'], ['-ERR {5}'], ['.']],
    );
  });
  test('`connection N imap` gives one connection IMAP framing', () => {
    const t = parseTranscript('p.txt', 'connection 2 imap\n\nC2: a ECHO {3+}\nabc\n.\nC2:\nC: RETR {3}\n', 'pop3');
    assert.equal(t.connections.get(2), 'imap');
    const [imap, pop] = t.events.filter((e) => e.kind === 'send');
    assert.equal(imap!.pieces.length, 3);
    assert.equal(pop!.syncLiteral, false);
  });
  test('pipelining: POP3 `+OK` does not end a run, a SASL `+ ` continuation does', () => {
    const t = parseTranscript('p.txt', '# c\n\nS: +OK\nC: USER a\nS: +OK\nC: PASS b\nS: +OK\nC: AUTH PLAIN\nS: + \nC: AGFAYg==\nS: +OK\nC: QUIT\n', 'pop3');
    const sends = pipelineEvents(t.events).filter((e) => e.kind === 'send');
    assert.deepEqual(
      sends.map((e) => e.pieces.map((p) => (p.kind === 'text' ? p.text : '')).join('')),
      ['USER a\r\nPASS b\r\nAUTH PLAIN\r\n', 'AGFAYg==\r\nQUIT\r\n'],
    );
  });
  test('<<close>> and <<closed>>; nothing may follow on that connection', () => {
    const t = parseTranscript('c.txt', '# c\n\nS: * OK *\nC: <<close>>\nS2: * OK *\nC2: a LOGOUT\nS2: <<closed>>\n');
    assert.deepEqual(
      t.events.filter((e) => e.kind === 'close').map((e) => [e.conn, e.by]),
      [
        [1, 'client'],
        [2, 'server'],
      ],
    );
    bad('# c\n\nS: * OK *\nC: <<close>>\nC: a NOOP\n', /bad\.txt:5: connection 1 was closed on line 4/);
    bad('# c\n\nS: <<close>>\n', /bad\.txt:3: write "C: <<close>>" or "S: <<closed>>"/);
  });
  test('message options for POP3: bare LF, no final newline, relative dates, downloaded', () => {
    const t = parseTranscript('m.txt', 'account a@example.org pw\nmessage INBOX inline newline=lf final-newline=no date=-3d downloaded\nA: b\n\n..x\n.\n\nS: +OK\n', 'pop3');
    const m = t.accounts[0]!.messages[0]!;
    assert.equal(m.inline!.toString(), 'A: b\n\n.x');
    assert.equal(m.ageMs, 3 * 86_400_000);
    assert.equal(m.downloaded, true);
  });
  test('the client closing and the server closing, against the fake protocol', () =>
    run('# c\n\nS: * OK *\nC: <<close>>\nS2: * OK *\nC2: b LOGOUT\nS2: * BYE *\nS2: b OK *\nS2: <<closed>>\n'));
  test('output before an expected close fails', async () => {
    const msg = await failure('# c\n\nS: * OK *\nC: a NOISE\nS: <<closed>>\n', VARIANTS[0], 500);
    assert.match(msg, /line 5: unexpected output on connection 1 before it closed/);
  });
});

describe('patterns', () => {
  const caps = new Map<string, string>();
  test('a trailing " *" matches any rest, or none', () => {
    assert.ok(matchLine('a OK *', 'a OK [READ-WRITE] SELECT completed', caps));
    assert.ok(matchLine('a OK *', 'a OK', caps));
    assert.ok(!matchLine('a OK *', 'a NO x', caps));
    assert.ok(matchLine('* OK [PERMANENTFLAGS (\\Seen \\*)] *', '* OK [PERMANENTFLAGS (\\Seen \\*)] Limited', caps));
  });
  test('<*> inside a line; $ keywords are plain text', () => {
    assert.ok(matchLine('* OK [CAPABILITY IMAP4rev1 <*>] ready', '* OK [CAPABILITY IMAP4rev1 IDLE MOVE] ready', caps));
    assert.ok(matchLine('* FLAGS ($Forwarded)', '* FLAGS ($Forwarded)', caps));
    assert.ok(!matchLine('* 1 FETCH (UID 1:*)', '* 1 FETCH (UID 1:5)', caps));
  });
  test('captures bind a token, repeat within a line', () => {
    assert.deepEqual(matchLine('* OK [COPYUID ${v} 1:2 ${d}:4]', '* OK [COPYUID 77 1:2 3:4]', caps), new Map([['v', '77'], ['d', '3']]));
    assert.equal(matchLine('${a} ${a}', 'x y', caps), null);
    assert.equal(matchLine('${a} x', 'q x', new Map([['a', 'p']])), null);
  });
});

test('probeCapabilities reads the greeting, CAPABILITY and the login answer', async () => {
  const t = parseTranscript('p.txt', 'account a@example.org secret\n\nS: * OK *\n');
  const caps = await probeCapabilities(server.port, t);
  assert.ok(caps.has('FAKE'));
  assert.ok(caps.has('AFTERLOGIN'));
});
