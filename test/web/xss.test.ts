/**
 * An XSS corpus (tests/web/xss-corpus.ts: script tags, event handlers, javascript: and data:
 * URLs, SVG, CSS expression/url, meta refresh, frames, forms, base href, malformed and encoded
 * markup, and payloads in subjects, names and file names) opened one after another in the
 * reading pane: no payload may run. Every payload would make a request to /xss-hit/N, post a
 * message to the top window or open a dialog; all three are watched. Remote images stay
 * blocked until "Show images".
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { ALICE, browserMissing, launchBrowser, screenshot, signIn, startWebServer, type SignedIn, type WebTestServer } from './web-env.ts';
import { hostileMessages } from './xss-corpus.ts';

const missing = browserMissing();
const skip = missing !== null && process.env.CI !== 'true' ? missing : false;

describe('XSS corpus (chromium)', { skip, timeout: 150_000 }, () => {
  let server: WebTestServer;
  let browser: Browser;
  let alice: SignedIn;
  const corpus = hostileMessages();
  const uids: number[] = [];
  const hits: string[] = [];
  const dialogs: string[] = [];
  const remote: string[] = [];

  before(async () => {
    server = await startWebServer();
    const t0 = Date.UTC(2025, 0, 1);
    for (const [i, m] of corpus.entries()) uids.push(await server.deliver(ALICE, 'INBOX', m.raw, [], t0 + i * 60_000));
    browser = await launchBrowser();
    alice = await signIn(browser, server, ALICE);
    const { context, page } = alice;
    await context.route('**/xss-hit/**', async (route) => {
      hits.push(route.request().url());
      await route.fulfill({ status: 204 });
    });
    await context.route('**/remote-image/**', async (route) => {
      remote.push(route.request().url());
      await route.fulfill({ status: 204 });
    });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    // Browser-side code as strings: the test project has no DOM types.
    await page.evaluate(`window.__xss = []; window.addEventListener('message', (e) => window.__xss.push(String(e.data)))`);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test(`${corpus.length} hostile messages render without running script`, async () => {
    assert.ok(corpus.length >= 30, `corpus has ${corpus.length} messages`);
    const { page } = alice;
    const newest = uids.length - 1;
    await page.locator(`[role="option"][data-uid="${uids[newest]}"]`).click();
    const problems: string[] = [];
    for (let i = newest; i >= 0; i--) {
      const uid = uids[i]!;
      const reader = page.locator(`.reader[data-uid="${uid}"]`);
      await reader.waitFor();
      if (corpus[i]!.name === 'subject with markup') {
        // Shown as text, in the list and in the reading pane.
        assert.match((await reader.locator('h2').textContent()) ?? '', /<img src=x onerror="top\.postMessage/);
      }
      const frame = reader.locator('iframe.html-body');
      if ((await frame.count()) > 0) {
        const sandbox = await frame.getAttribute('sandbox');
        if (sandbox !== 'allow-popups allow-popups-to-escape-sandbox') problems.push(`${corpus[i]!.name}: sandbox="${sandbox}"`);
        const doc = (await frame.getAttribute('srcdoc')) ?? '';
        const body = doc.slice(doc.indexOf('<body>'));
        for (const bad of [/<script/i, /\son[a-z]+\s*=/i, /javascript:/i, /<iframe/i, /<object/i, /<embed/i, /<form/i, /<base/i, /http-equiv/i, /data:text\/html/i]) {
          if (bad.test(body)) problems.push(`${corpus[i]!.name}: sanitised body still has ${bad}: ${body.slice(0, 300)}`);
        }
        const handle = await frame.elementHandle();
        const content = await handle?.contentFrame();
        await content?.waitForLoadState('load');
      }
      if (i === newest - 2) await screenshot(page, 'xss-corpus');
      if (i > 0) await page.keyboard.press('j');
    }
    // Handlers such as onerror fire during load; give stragglers (timers, animations) a moment.
    await page.waitForTimeout(500);
    const messages = await page.evaluate<string[]>('window.__xss');
    // The main document must not carry any inline handler either (subjects, names, file names).
    const inlineHandlers = await page.evaluate<string[]>(
      "Array.from(document.querySelectorAll('*')).flatMap((el) => Array.from(el.attributes).filter((a) => a.name.startsWith('on')).map((a) => el.tagName + ' ' + a.name))",
    );
    assert.deepEqual({ hits, dialogs, messages, inlineHandlers, problems }, { hits: [], dialogs: [], messages: [], inlineHandlers: [], problems: [] });
    assert.deepEqual(alice.errors.filter((e) => !/Content Security Policy|Refused to|sandboxed/i.test(e)), []);
  });

  test('remote images are blocked until "Show images"', async () => {
    const { page } = alice;
    // A remote host (answered by the route above, never resolved): the frame inherits the app's
    // CSP, which must let a shown image load from anywhere.
    const html = `<p>Look:</p><img src="http://images.example/remote-image/a.png" alt="a"><div style="background:url('${server.baseUrl}/remote-image/b.png')">bg</div>`;
    const raw = ['From: News <news@shop.test>', 'To: alice@example.org', 'Subject: Newsletter with pictures', 'Message-ID: <news-1@shop.test>', 'MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8', '', html, ''].join('\r\n');
    await page.keyboard.press('u');
    await page.evaluate("document.querySelector('.list-scroll').scrollTop = 0");
    const uid = await server.deliver(ALICE, 'INBOX', raw);
    await page.locator(`[role="option"][data-uid="${uid}"]`).click();
    const reader = page.locator(`.reader[data-uid="${uid}"]`);
    await reader.getByRole('button', { name: 'Show images' }).waitFor();
    const doc = (await reader.locator('iframe.html-body').getAttribute('srcdoc')) ?? '';
    assert.match(doc, /data-blocked-src="http:\/\/images\.example\/remote-image\/a\.png"/);
    assert.doesNotMatch(doc.slice(doc.indexOf('<body>')), /remote-image\/b\.png/);
    const content = await (await reader.locator('iframe.html-body').elementHandle())?.contentFrame();
    await content?.waitForLoadState('load');
    assert.deepEqual(remote, [], 'no remote image was requested before the reader allowed it');
    await reader.getByRole('button', { name: 'Show images' }).click();
    await reader.getByRole('button', { name: 'Show images' }).waitFor({ state: 'detached' });
    await screenshot(page, 'reading-pane-html');
    const shown = (await reader.locator('iframe.html-body').getAttribute('srcdoc')) ?? '';
    assert.match(shown, /<img src="http:\/\/images\.example\/remote-image\/a\.png"/);
    // (A function: the deepEqual above narrowed `remote` itself to an empty array type.)
    const requested = (): readonly string[] => remote;
    const wanted = 'http://images.example/remote-image/a.png';
    for (let i = 0; i < 50 && !requested().includes(wanted); i++) await sleep(100);
    assert.ok(requested().includes(wanted), `the shown image was requested: ${requested().join(', ')}`);
  });
});
