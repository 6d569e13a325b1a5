/**
 * The Forwarding and POP/IMAP page against the real server: turning POP off makes a POP3 login
 * fail with the explanation; "when messages are accessed with POP: archive" makes a POP download
 * move the message to Archive (and the open web inbox drops it live). Screenshot: settings.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { PopClient } from '../helpers/pop3-env.ts';
import { ALICE, PASSWORD, browserMissing, launchBrowser, mail, screenshot, signIn, startWebServer, type SignedIn, type WebTestServer } from './web-env.ts';

const missing = browserMissing();
const skip = missing !== null && process.env.CI !== 'true' ? missing : false;

async function popLogin(server: WebTestServer): Promise<{ c: PopClient; answer: string }> {
  const c = await PopClient.open('pop', server.ports.pop3!);
  assert.match((await c.line()).text, /^\+OK/);
  await c.ok(`USER ${ALICE}`);
  const pass = await c.command(`PASS ${PASSWORD}`, 'PASS ***');
  return { c, answer: pass.text };
}

describe('settings page (chromium)', { skip, timeout: 120_000 }, () => {
  let server: WebTestServer;
  let browser: Browser;
  let alice: SignedIn;

  before(async () => {
    server = await startWebServer();
    browser = await launchBrowser();
    alice = await signIn(browser, server, ALICE);
    await alice.page.getByRole('link', { name: 'Settings' }).click();
    await alice.page.getByRole('heading', { name: 'Forwarding and POP/IMAP' }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the page shows every control and the client configuration', async () => {
    const { page } = alice;
    for (const name of ['Enable POP for all mail (even mail that was already downloaded)', 'Disable POP', 'Enable IMAP', 'Disable IMAP', 'Move the message to Trash']) {
      await page.getByRole('radio', { name }).waitFor();
    }
    await page.getByRole('radio', { name: /Limit IMAP folders to the newest 1,000/ }).waitFor();
    await page.getByLabel('When messages are accessed with POP,').waitFor();
    await page.getByLabel('Forward a copy of incoming mail to').waitFor();
    await page.getByTestId('setup-user').filter({ hasText: ALICE }).waitFor();
    await page.getByRole('link', { name: /configuration profile/ }).waitFor();
    await page.getByText('Choose IMAP').waitFor();
    await screenshot(page, 'settings', true);
  });

  test('turning POP off makes a POP3 login fail with the explanation', async () => {
    const { page } = alice;
    const before = await popLogin(server);
    assert.match(before.answer, /^\+OK/);
    before.c.destroy();
    await page.getByRole('radio', { name: 'Disable POP' }).check();
    await page.getByTestId('pop-status').filter({ hasText: 'POP is disabled' }).waitFor();
    await page.locator('[role="radiogroup"][aria-labelledby="h-pop.enabled"] .saved', { hasText: 'Saved.' }).waitFor();
    assert.equal((await server.store.settings.get(server.alice.id)).values['pop.enabled'], 'off');
    const { c, answer } = await popLogin(server);
    assert.match(answer, /^-ERR /);
    assert.match(answer, /POP/i, `the refusal explains itself: ${answer}`);
    c.destroy();
    await page.getByRole('radio', { name: /Enable POP for all mail/ }).check();
    await page.locator('[role="radiogroup"][aria-labelledby="h-pop.enabled"] .saved', { hasText: 'Saved.' }).waitFor();
  });

  test('"when accessed with POP: archive" moves a downloaded message to Archive', async () => {
    const { page } = alice;
    await page.getByLabel('When messages are accessed with POP,').selectOption('archive');
    await page.getByText('Saved.').first().waitFor();
    await waitFor(async () => (await server.store.settings.get(server.alice.id)).values['pop.after-retrieve'] === 'archive');
    const uid = await server.deliver(ALICE, 'INBOX', mail({ subject: 'Fetched by POP', body: 'bye inbox' }));
    // Watch the inbox in a second tab: the move must show there live.
    const inbox = await alice.context.newPage();
    await inbox.goto(`${server.baseUrl}/mail`);
    await inbox.locator(`[role="option"][data-uid="${uid}"]`).waitFor();
    const { c, answer } = await popLogin(server);
    assert.match(answer, /^\+OK/);
    const m = await c.multi('RETR 1');
    assert.match(m.body.toString(), /Fetched by POP/);
    await c.ok('QUIT');
    c.destroy();
    const archive = (await server.store.mailboxes.byRole(server.alice.id, 'archive'))!;
    const inboxBox = await server.mailbox(ALICE, 'INBOX');
    await waitFor(async () => (await server.store.messages.list(archive.id)).length === 1);
    assert.equal((await server.store.messages.list(inboxBox.id)).length, 0);
    await inbox.locator(`[role="option"][data-uid="${uid}"]`).waitFor({ state: 'detached', timeout: 2_000 });
    await inbox.close();
  });
});

/** Polls a store condition (no change event to wait on from the test side); 5 s at most. */
async function waitFor(cond: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
