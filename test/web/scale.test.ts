/**
 * The message list at scale: a 20,000-message INBOX (WEB_SCALE_MESSAGES to change) keeps only
 * the rows in view in the DOM, paints its first page quickly, and a jump to the bottom (the
 * scrollbar dragged) loads its way there with the `before` cursor and shows the oldest message.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { ALICE, browserMissing, launchBrowser, mail, signIn, startWebServer, type SignedIn, type WebTestServer } from './web-env.ts';

const missing = browserMissing();
const skip = missing !== null && process.env.CI !== 'true' ? missing : false;
const COUNT = Number(process.env.WEB_SCALE_MESSAGES ?? 20_000);

describe(`message list with ${COUNT} messages (chromium)`, { skip, timeout: 120_000 }, () => {
  let server: WebTestServer;
  let browser: Browser;
  let alice: SignedIn;

  before(async () => {
    server = await startWebServer();
    const inbox = await server.mailbox(ALICE, 'INBOX');
    const t0 = Date.UTC(2024, 0, 1);
    for (let from = 0; from < COUNT; from += 500) {
      const batch = [];
      for (let n = from; n < Math.min(COUNT, from + 500); n++) {
        const raw = mail({ subject: `Message number ${n}`, body: `Body of message ${n}.`, date: new Date(t0 + n * 60_000), messageId: `<m${n}@scale.test>` });
        batch.push({ raw: Buffer.from(raw), flags: n % 3 === 0 ? ['\\Seen'] : [], internalDate: t0 + n * 60_000 });
      }
      await server.store.messages.appendMany(server.alice.id, inbox.id, batch);
    }
    browser = await launchBrowser();
    alice = await signIn(browser, server, ALICE);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('only the rows in view are in the DOM; the newest is first', async () => {
    const { page } = alice;
    const rows = page.locator('.list-scroll [role="option"]');
    await rows.first().waitFor();
    assert.match((await rows.first().textContent()) ?? '', new RegExp(`Message number ${COUNT - 1}\\b`));
    const inDom = await page.locator('.list-scroll .row').count();
    assert.ok(inDom < 80, `${inDom} rows in the DOM`);
    assert.equal(await page.locator('.list-scroll').getAttribute('data-total'), String(COUNT));
    const paint = await page.evaluate<number>("performance.getEntriesByName('inbox-first-row')[0]?.startTime ?? NaN");
    assert.ok(paint < 3_000, `first rows after ${paint} ms`);
  });

  test('a jump to the bottom pages its way there and shows the oldest message', async () => {
    const { page } = alice;
    const t0 = performance.now();
    await page.evaluate("(() => { const el = document.querySelector('.list-scroll'); el.scrollTop = el.scrollHeight; el.dispatchEvent(new Event('scroll')); })()");
    await page.locator('.list-scroll [role="option"]', { hasText: /Message number 0 —/ }).waitFor({ timeout: 60_000 });
    const ms = performance.now() - t0;
    const inDom = await page.locator('.list-scroll .row').count();
    assert.ok(inDom < 80, `${inDom} rows in the DOM`);
    // Informational: how long the walk down took.
    console.log(`# jump to the bottom of ${COUNT} messages: ${ms.toFixed(0)} ms`);
  });
});
