/**
 * First run and administration in the browser against the real server: a fresh data dir offers
 * the setup page (domain + administrator), which signs the new administrator in; the
 * administration page creates a user, resets her password, sets a quota, disables and enables
 * her, adds an alias; the new user signs in and her connected-clients panel lists an open IMAP
 * session. Sign out returns to the sign-in page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { LineClient } from '../helpers/interop-lines.ts';
import { browserMissing, eventually, launchBrowser, screenshot, startWebServer, type WebTestServer } from './web-env.ts';

const missing = browserMissing();
const skip = missing !== null && process.env.CI !== 'true' ? missing : false;

describe('first run and administration (chromium)', { skip, timeout: 120_000 }, () => {
  let server: WebTestServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    server = await startWebServer({ accounts: false });
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a fresh server offers setup; it creates the domain and the administrator and signs in', async () => {
    await page.goto(server.baseUrl);
    await page.getByRole('heading', { name: 'Set up postkontor' }).waitFor();
    await page.getByLabel('Mail domain').fill('first.test');
    await page.getByLabel('Administrator address').fill('boss');
    await page.getByLabel('Password', { exact: true }).fill('first-run-pw-1');
    await page.getByLabel('Password again').fill('first-run-pw-1');
    await page.getByRole('button', { name: 'Create and sign in' }).click();
    await page.locator('.list-scroll[data-ready="true"]').waitFor();
    const boss = await server.store.accounts.get('boss@first.test');
    assert.ok(boss?.admin, 'the first account is an administrator');
    await page.getByRole('link', { name: 'Administration' }).waitFor();
  });

  test('administration: create a user, reset password, quota, disable/enable, alias', async () => {
    page.on('dialog', (d) => {
      if (d.type() === 'prompt') void d.accept(d.message().startsWith('New password') ? 'changed-pw-22' : '50');
      else void d.accept();
    });
    await page.getByRole('link', { name: 'Administration' }).click();
    const form = page.getByRole('form', { name: 'New user' });
    await form.getByLabel('Address').fill('eve@first.test');
    await form.getByLabel('Password').fill('eve-initial-pw');
    await form.getByRole('button', { name: 'Create user' }).click();
    const row = page.locator('tr[data-user="eve@first.test"]');
    await row.waitFor();
    await row.getByRole('button', { name: 'Reset password' }).click();
    await page.getByText('eve@first.test: password changed.').waitFor();
    await row.getByRole('button', { name: 'Quota' }).click();
    await page.getByText('eve@first.test: quota set.').waitFor();
    assert.equal((await server.store.accounts.get('eve@first.test'))?.quotaBytes, 50 * 1024 * 1024);
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByText('disabled', { exact: true }).waitFor();
    const eve = await eventually(() => server.store.accounts.get('eve@first.test'), (a) => a?.disabled === true);
    assert.equal(eve?.disabled, true);
    await row.getByRole('button', { name: 'Enable' }).click();
    await row.getByText('active', { exact: true }).waitFor();
    await eventually(() => server.store.accounts.get('eve@first.test'), (a) => a?.disabled === false);
    await page.getByRole('tab', { name: 'Aliases' }).click();
    const alias = page.getByRole('form', { name: 'New alias' });
    await alias.getByLabel('Alias (or @domain for a catch-all)').fill('info@first.test');
    await alias.getByLabel('Delivers to').fill('eve@first.test');
    await alias.getByRole('button', { name: 'Add alias' }).click();
    await page.getByRole('cell', { name: 'info@first.test' }).waitFor();
    await page.getByRole('tab', { name: 'Outbound queue' }).click();
    await page.getByText('The outbound queue is empty.').waitFor();
    await page.getByRole('tab', { name: 'Domains' }).click();
    await page.getByText('first.test').first().waitFor();
    await screenshot(page, 'admin');
  });

  test('the new user signs in with the reset password; her panel lists an open IMAP session', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to postkontor' }).waitFor();
    await page.getByLabel('Email address').fill('eve@first.test');
    await page.getByLabel('Password').fill('changed-pw-22');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.list-scroll[data-ready="true"]').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Administration' }).count(), 0, 'no administration for a user');
    const imap = await LineClient.open('imap', server.port);
    await imap.next();
    await imap.command('ID ("name" "WebTestClient" "version" "1.0")').catch(() => undefined);
    await imap.command('LOGIN eve@first.test changed-pw-22');
    await page.getByRole('link', { name: 'Settings' }).click();
    const sessions = page.getByTestId('sessions');
    await sessions.getByText('imap').waitFor({ timeout: 8_000 });
    await sessions.getByText('WebTestClient').waitFor();
    await screenshot(page, 'settings-clients', true);
    imap.socket.destroy();
  });
});
