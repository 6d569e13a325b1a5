/**
 * The CLI end to end, as a user types it: every subcommand's output, every wrong-input path
 * (exit code + the exact one stderr line), --password-stdin, POSTKONTOR_DATA, and that the
 * password is neither printed nor stored in plain. Independent runs go in parallel: each spawn
 * costs ~0.5–1 s of tsx start-up.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { verifyPassword } from '../../src/auth/password.ts';
import { openStore } from '../../src/store/open-store.ts';
import { runCli, tempDir, type CliResult } from './run-cli.ts';

const ALICE_PW = 'correct-horse-alice-7f3a';
const BOB_PW = 'stdin-secret-bob-91c2';
const ALICE_PW2 = 'changed-pw-alice-55e0';

function ok(r: CliResult, stdout: string): void {
  assert.equal(r.stderr, '', `stderr: ${r.stderr}`);
  assert.equal(r.stdout, stdout);
  assert.equal(r.code, 0);
}

function fails(r: CliResult, code: 1 | 2, line: string): void {
  assert.equal(r.stderr, `postkontor: ${line}\n`);
  assert.equal(r.code, code);
  assert.equal(r.stdout, '');
}

describe('postkontor without a store', () => {
  test('version, help and malformed command lines', async () => {
    const [version, help, helpUser, helpAdd, addHelp, none, unknown, unknownFlag, noSub, badSub] =
      await Promise.all([
        runCli(['--version']),
        runCli(['help']),
        runCli(['help', 'user']),
        runCli(['help', 'user', 'add']),
        runCli(['user', 'add', '--help']),
        runCli([]),
        runCli(['frobnicate']),
        runCli(['--frob']),
        runCli(['user']),
        runCli(['user', 'rename', 'a@example.org']),
      ]);
    ok(version, 'postkontor 0.1.0\n');
    assert.equal(help.code, 0);
    for (const c of ['serve', 'domain add', 'domain list', 'domain remove', 'user add', 'user passwd',
      'user quota', 'user list', 'user remove', 'settings get', 'settings set', 'settings list']) {
      assert.match(help.stdout, new RegExp(`^ {2}${c} `, 'm'), c);
    }
    assert.equal(helpUser.code, 0);
    assert.match(helpUser.stdout, /user passwd/);
    assert.doesNotMatch(helpUser.stdout, /domain add/);
    assert.equal(helpAdd.code, 0);
    assert.match(
      helpAdd.stdout,
      /^usage: postkontor user add ADDRESS \(--password P \| --password-stdin\) \[--admin\] \[--quota SIZE\]/,
    );
    assert.equal(addHelp.stdout, helpAdd.stdout);
    fails(none, 2, 'missing command; see: postkontor help');
    fails(unknown, 2, 'unknown command "frobnicate"; see: postkontor help');
    fails(unknownFlag, 2, 'unknown option --frob; see: postkontor help');
    fails(noSub, 2, 'missing subcommand for "user": add, passwd, quota, disable, enable, list, remove');
    fails(badSub, 2, 'unknown command "user rename"; "user" has: add, passwd, quota, disable, enable, list, remove');
  });

  test('missing and extra arguments, unknown and malformed options', async () => {
    const d = await tempDir();
    try {
      const data = ['--data', d.path];
      const runs = await Promise.all([
        runCli(['domain', 'add', ...data]),
        runCli(['domain', 'add', 'a.example', 'b.example', ...data]),
        runCli(['domain', 'list', '--frob', ...data]),
        runCli(['user', 'add', 'x@example.org', ...data]),
        runCli(['user', 'add', 'x@example.org', '--password', 'p', '--password-stdin', ...data]),
        runCli(['user', 'add', 'x@example.org', ...data, '--password']),
        runCli(['user', 'add', 'x@example.org', '--password', 'p', '--admin=yes', ...data]),
        runCli(['user', 'quota', 'x@example.org', ...data]),
        runCli(['settings', 'set', 'x@example.org', 'pop.mode', ...data]),
        runCli(['serve', '--imap-port', 'abc', ...data]),
        runCli(['serve', '--http-port', '70000', ...data]),
      ]);
      const expected: [2, string][] = [
        [2, 'missing NAME for "domain add"; usage: postkontor domain add NAME [--data DIR]'],
        [2, 'unexpected argument "b.example" for "domain add"; usage: postkontor domain add NAME [--data DIR]'],
        [2, 'unknown option --frob for "domain list"; see: postkontor domain list --help'],
        [2, 'missing --password P or --password-stdin for "user add"'],
        [2, 'give either --password or --password-stdin, not both'],
        [2, 'option --password needs a value'],
        [2, 'option --admin takes no value'],
        [2, 'missing SIZE for "user quota"; usage: postkontor user quota ADDRESS SIZE [--data DIR]'],
        [2, 'missing VALUE for "settings set"; usage: postkontor settings set ADDRESS KEY VALUE [--data DIR]'],
        [2, '--imap-port: expected a port number from 0 to 65535 (0 disables the listener)'],
        [2, '--http-port: expected a port number from 0 to 65535 (0 disables the listener)'],
      ];
      runs.forEach((r, i) => {
        const [code, line] = expected[i] ?? [2, ''];
        fails(r, code, line);
      });
    } finally {
      await d.cleanup();
    }
  });

  test('settings list without an address prints the schema', async () => {
    const r = await runCli(['settings', 'list']);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^KEY +ALLOWED +DEFAULT +DESCRIPTION$/);
    assert.equal(lines.length, 11);
    assert.match(r.stdout, /^pop\.mode +classic \| gmail +classic +classic: the maildrop is INBOX/m);
    assert.match(r.stdout, /^imap\.folder-limit +0 \| 1000 \| 2000 \| 5000 \| 10000 +0 /m);
    assert.match(r.stdout, /^forward\.to +an email address, or "" for none +"" /m);
  });
});

describe('postkontor on a data directory', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let data: string[];
  const outputs: CliResult[] = [];
  const run = async (args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) => {
    const r = await runCli([...args, ...data], opts);
    outputs.push(r);
    return r;
  };

  before(async () => {
    dir = await tempDir();
    data = ['--data', dir.path];
  });
  after(async () => {
    await dir.cleanup();
  });

  test('domains', async () => {
    ok(await run(['domain', 'add', 'Example.ORG']), 'domain example.org added\n');
    const [dup, bad, second] = await Promise.all([
      run(['domain', 'add', 'example.org']),
      run(['domain', 'add', 'not_a_domain']),
      run(['domain', 'add', 'example.net']),
    ]);
    fails(dup, 1, 'domain example.org already exists');
    fails(bad, 1, 'invalid domain name "not_a_domain": expected something like example.org');
    ok(second, 'domain example.net added\n');
    ok(await run(['domain', 'list']), 'example.net\nexample.org\n');
  });

  test('users: add (flag and stdin), wrong input, list, quota, passwd', async () => {
    const [alice, bob, unknownDomain, badAddress, badQuota, emptyStdin] = await Promise.all([
      run(['user', 'add', 'Alice@Example.org', '--password', ALICE_PW, '--quota', '500M']),
      run(['user', 'add', 'bob@example.org', '--password-stdin', '--admin', '--quota', '2G'], {
        stdin: `${BOB_PW}\n`,
      }),
      run(['user', 'add', 'carol@example.com', '--password', 'x']),
      run(['user', 'add', 'not-an-address', '--password', 'x']),
      run(['user', 'add', 'dave@example.org', '--password', 'x', '--quota', 'abc']),
      run(['user', 'add', 'erin@example.org', '--password-stdin'], { stdin: '\n' }),
    ]);
    ok(alice, 'user alice@example.org added (quota 500M)\n');
    ok(bob, 'user bob@example.org added (admin, quota 2G)\n');
    fails(unknownDomain, 1, 'domain example.com does not exist; add it first: postkontor domain add example.com');
    fails(badAddress, 1, 'invalid address "not-an-address": expected local-part@domain, e.g. alice@example.org');
    fails(
      badQuota,
      1,
      'invalid size "abc": use a number with an optional unit K, M, G or T (e.g. 500M, 2G), or 0 for unlimited',
    );
    fails(emptyStdin, 1, 'the password must not be empty');

    const [dup, list, listNowhere] = await Promise.all([
      run(['user', 'add', 'alice@example.org', '--password', 'other']),
      run(['user', 'list']),
      run(['user', 'list', 'nowhere.example']),
    ]);
    fails(dup, 1, 'user alice@example.org already exists');
    ok(
      list,
      [
        'ADDRESS            ADMIN  QUOTA  USED  MESSAGES',
        'alice@example.org  no     500M   0     0',
        'bob@example.org    yes    2G     0     0',
        '',
      ].join('\n'),
    );
    fails(listNowhere, 1, 'domain nowhere.example does not exist; add it first: postkontor domain add nowhere.example');

    ok(await run(['user', 'quota', 'alice@example.org', '0']), 'quota of alice@example.org set to unlimited\n');
    const [q2g, qAbc, qNobody, pw] = await Promise.all([
      run(['user', 'quota', 'bob@example.org', '2G']),
      run(['user', 'quota', 'bob@example.org', 'abc']),
      run(['user', 'quota', 'nobody@example.org', '1G']),
      run(['user', 'passwd', 'alice@example.org', '--password-stdin'], { stdin: `${ALICE_PW2}\r\n` }),
    ]);
    ok(q2g, 'quota of bob@example.org set to 2G\n');
    fails(qAbc, 1, 'invalid size "abc": use a number with an optional unit K, M, G or T (e.g. 500M, 2G), or 0 for unlimited');
    fails(qNobody, 1, 'user nobody@example.org does not exist');
    ok(pw, 'password of alice@example.org changed\n');
    ok(
      await run(['user', 'list', 'example.org']),
      [
        'ADDRESS            ADMIN  QUOTA      USED  MESSAGES',
        'alice@example.org  no     unlimited  0     0',
        'bob@example.org    yes    2G         0     0',
        '',
      ].join('\n'),
    );
  });

  test('passwords are stored as argon2id hashes, never in plain, never printed', async () => {
    const store = await openStore({ dataDir: dir.path });
    try {
      const alice = await store.accounts.passwordHash('alice@example.org');
      const bob = await store.accounts.passwordHash('bob@example.org');
      assert.match(alice?.hash ?? '', /^\$argon2id\$/);
      assert.equal(await verifyPassword(alice?.hash ?? null, ALICE_PW2), true);
      assert.equal(await verifyPassword(alice?.hash ?? null, ALICE_PW), false);
      // --password-stdin dropped exactly the trailing newline.
      assert.equal(await verifyPassword(bob?.hash ?? null, BOB_PW), true);
      assert.equal(bob?.account.admin, true);
      assert.equal(bob?.account.quotaBytes, 2 * 1024 ** 3);
    } finally {
      await store.close();
    }
    for (const name of await readdir(dir.path)) {
      if (!name.startsWith('postkontor.db')) continue;
      const bytes = await readFile(join(dir.path, name));
      for (const pw of [ALICE_PW, ALICE_PW2, BOB_PW]) {
        assert.equal(bytes.includes(Buffer.from(pw)), false, `${pw} found in ${name}`);
      }
    }
    for (const r of outputs) {
      for (const pw of [ALICE_PW, ALICE_PW2, BOB_PW]) {
        assert.equal(r.stdout.includes(pw) || r.stderr.includes(pw), false, 'password printed');
      }
    }
  });

  test('settings get, set, list; bad key, bad value, unknown user', async () => {
    const [set, setBool, setFwd, badKey, badValue, badBool, badLimit, getNobody, getBadKey] = await Promise.all([
      run(['settings', 'set', 'alice@example.org', 'pop.mode', 'gmail']),
      run(['settings', 'set', 'bob@example.org', 'imap.enabled', 'off']),
      run(['settings', 'set', 'alice@example.org', 'forward.to', 'alice@elsewhere.example']),
      run(['settings', 'set', 'alice@example.org', 'pop.colour', 'red']),
      run(['settings', 'set', 'alice@example.org', 'pop.after-retrieve', 'shred']),
      run(['settings', 'set', 'alice@example.org', 'sent.save-copy', 'maybe']),
      run(['settings', 'set', 'alice@example.org', 'imap.folder-limit', '1500']),
      run(['settings', 'get', 'nobody@example.org', 'pop.mode']),
      run(['settings', 'get', 'alice@example.org', 'nope']),
    ]);
    ok(set, 'alice@example.org: pop.mode = gmail\n');
    ok(setBool, 'bob@example.org: imap.enabled = false\n');
    ok(setFwd, 'alice@example.org: forward.to = alice@elsewhere.example\n');
    const known =
      'imap.enabled, imap.auto-expunge, imap.expunge-action, imap.folder-limit, pop.enabled, pop.mode, pop.after-retrieve, forward.to, forward.keep, sent.save-copy';
    fails(badKey, 1, `unknown setting "pop.colour"; known settings: ${known}`);
    fails(badValue, 1, 'invalid value "shred" for pop.after-retrieve; allowed: keep | mark-read | archive | trash | delete');
    fails(badBool, 1, 'invalid value "maybe" for sent.save-copy; allowed: true | false');
    fails(badLimit, 1, 'invalid value "1500" for imap.folder-limit; allowed: 0 | 1000 | 2000 | 5000 | 10000');
    fails(getNobody, 1, 'user nobody@example.org does not exist');
    fails(getBadKey, 1, `unknown setting "nope"; known settings: ${known}`);

    const [get, getBool, list, clearFwd] = await Promise.all([
      run(['settings', 'get', 'alice@example.org', 'pop.mode']),
      run(['settings', 'get', 'bob@example.org', 'imap.enabled']),
      run(['settings', 'list', 'alice@example.org']),
      run(['settings', 'set', 'bob@example.org', 'forward.to', '']),
    ]);
    ok(get, 'gmail\n');
    ok(getBool, 'false\n');
    ok(clearFwd, 'bob@example.org: forward.to = ""\n');
    assert.equal(list.code, 0);
    const lines = list.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^KEY +VALUE +SOURCE +ALLOWED$/);
    assert.equal(lines.length, 11);
    assert.match(list.stdout, /^pop\.mode +gmail +set +classic \| gmail$/m);
    assert.match(list.stdout, /^pop\.after-retrieve +keep +default +keep \| mark-read \| archive \| trash \| delete$/m);
    assert.match(list.stdout, /^forward\.to +alice@elsewhere\.example +set +an email address, or "" for none$/m);
    assert.match(list.stdout, /^imap\.enabled +true +default +true \| false$/m);
  });

  test('aliases and catch-alls: add, list, remove, refusals', async () => {
    ok(await run(['alias', 'add', 'Sales@Example.org', 'alice@example.org']), 'alias sales@example.org -> alice@example.org added\n');
    const [second, catchAll, dup, isAccount, foreign, bad] = await Promise.all([
      run(['alias', 'add', 'sales@example.org', 'friend@elsewhere.example']),
      run(['alias', 'add', '@example.net', 'alice@example.org']),
      run(['alias', 'add', 'sales@example.org', 'alice@example.org']),
      run(['alias', 'add', 'alice@example.org', 'bob@example.org']),
      run(['alias', 'add', 'x@elsewhere.example', 'alice@example.org']),
      run(['alias', 'add', 'sales', 'alice@example.org']),
    ]);
    ok(second, 'alias sales@example.org -> friend@elsewhere.example added\n');
    ok(catchAll, 'alias @example.net -> alice@example.org added\n');
    fails(dup, 1, 'alias sales@example.org -> alice@example.org already exists');
    fails(isAccount, 1, 'alice@example.org is an account; forward its mail with the forward.to setting instead');
    fails(foreign, 1, 'domain elsewhere.example is not a local domain (postkontor domain add elsewhere.example)');
    fails(bad, 1, 'invalid address "sales": expected local-part@domain, e.g. alice@example.org');
    ok(
      await run(['alias', 'list']),
      '@example.net -> alice@example.org\nsales@example.org -> alice@example.org\nsales@example.org -> friend@elsewhere.example\n',
    );
    ok(await run(['alias', 'list', 'example.net']), '@example.net -> alice@example.org\n');
    ok(await run(['alias', 'remove', 'sales@example.org', 'friend@elsewhere.example']), 'alias sales@example.org -> friend@elsewhere.example removed\n');
    ok(await run(['alias', 'remove', '@example.net']), 'aliases of @example.net removed\n');
    fails(await run(['alias', 'remove', '@example.net']), 1, 'no alias @example.net');
    ok(await run(['alias', 'list']), 'sales@example.org -> alice@example.org\n');
  });

  test('POSTKONTOR_DATA selects the data directory; --data wins over it', async () => {
    const other = await tempDir();
    try {
      const [viaEnv, flagWins] = await Promise.all([
        runCli(['domain', 'list'], { env: { POSTKONTOR_DATA: dir.path } }),
        runCli(['domain', 'list', '--data', other.path], { env: { POSTKONTOR_DATA: dir.path } }),
      ]);
      ok(viaEnv, 'example.net\nexample.org\n');
      ok(flagWins, '');
    } finally {
      await other.cleanup();
    }
  });

  test('removing: a domain with users is refused; users, then the domain', async () => {
    const [refused, missing] = await Promise.all([
      run(['domain', 'remove', 'example.org']),
      run(['domain', 'remove', 'nowhere.example']),
    ]);
    fails(refused, 1, 'domain example.org still has 2 users; remove them first (postkontor user list example.org)');
    fails(missing, 1, 'domain nowhere.example does not exist');
    const [ra, rb, rNobody] = await Promise.all([
      run(['user', 'remove', 'alice@example.org']),
      run(['user', 'remove', 'BOB@example.org']),
      run(['user', 'remove', 'nobody@example.org']),
    ]);
    ok(ra, 'user alice@example.org removed\n');
    ok(rb, 'user bob@example.org removed\n');
    fails(rNobody, 1, 'user nobody@example.org does not exist');
    ok(await run(['domain', 'remove', 'example.org']), 'domain example.org removed\n');
    const [list, users] = await Promise.all([run(['domain', 'list']), run(['user', 'list'])]);
    ok(list, 'example.net\n');
    ok(users, '');
  });
});
