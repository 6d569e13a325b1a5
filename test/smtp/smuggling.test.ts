/**
 * SMTP smuggling (CVE-2023-51764 class): a DATA section whose end-of-data marker uses bare LF
 * or bare CR (`<LF>.<LF>`, `<CR><LF>.<LF>`, `<LF>.<CR><LF>`, `<CR>.<CR>`) followed by a second
 * transaction. Only <CRLF>.<CRLF> ends DATA here, so each attempt yields exactly one message with
 * exactly one 250, and what is stored has every bare line end turned into CRLF, so a later hop
 * cannot be tricked either.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SmtpLineClient } from '../helpers/smtp-client.ts';
import { BOB, startSmtpTestServer, stripTrace, type SmtpTestServer } from '../helpers/smtp-env.ts';

let server: SmtpTestServer;
before(async () => {
  server = await startSmtpTestServer();
});
after(async () => server?.close());

const SMUGGLED = 'MAIL FROM:<ceo@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nFrom: ceo@example.org\r\nSubject: smuggled\r\n\r\npay now\r\n';

const MARKERS: [string, string][] = [
  ['<LF>.<LF>', '\n.\n'],
  ['<CR><LF>.<LF>', '\r\n.\n'],
  ['<LF>.<CR><LF>', '\n.\r\n'],
  ['<CR>.<CR>', '\r.\r'],
  ['<CR><LF>.<CR>', '\r\n.\r'],
];

for (const [name, marker] of MARKERS) {
  test(`a ${name} end marker does not end DATA; no second message appears`, async () => {
    const before = (await server.messages(BOB, 'INBOX')).length;
    const c = await SmtpLineClient.open(server.ports.smtp!);
    try {
      await c.reply();
      // All in one write, as an attacker would pipeline it.
      c.write(
        `EHLO client.example\r\nMAIL FROM:<leo@example.net>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n` +
          `From: leo@example.net\r\nSubject: outer\r\n\r\nhello${marker}${SMUGGLED}.\r\nQUIT\r\n`,
      );
      const replies: string[] = [];
      for (;;) {
        const r = await c.reply();
        if (!r) break;
        replies.push(r.last);
      }
      assert.deepEqual(
        replies.map((l) => l.replace(/^(250 2\.6\.0) \S+ /, '$1 ID ')),
        ['250 SIZE 200000', '250 2.1.0 Accepted', '250 2.1.5 Accepted', '354 End data with <CR><LF>.<CR><LF>', '250 2.6.0 ID message accepted', '221 2.0.0 Bye'],
      );
    } finally {
      c.close();
    }
    const inbox = await server.messages(BOB, 'INBOX');
    assert.equal(inbox.length, before + 1, 'exactly one message');
    const { rest } = stripTrace(inbox.at(-1)!);
    const text = rest.toString('latin1');
    assert.match(text, /^From: leo@example\.net\r\nSubject: outer\r\n\r\nhello\r\n/);
    assert.ok(text.includes('Subject: smuggled'), 'the smuggled text stays inside the one message');
    assert.doesNotMatch(text, /[^\r]\n|\r[^\n]|\r$/, 'no bare LF or CR is stored');
  });
}
