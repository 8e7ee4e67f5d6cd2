import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { freshPostgresUrl } from '../apps/api/test/support/databases.ts';
import {
  sharedSetup,
  startUrumi,
  valuesFile,
  type UrumiProcess,
} from '../apps/api/test/support/urumi-process.ts';
import { openBrowser, screenshot } from './support/browser.ts';

/** The dashboard as a person uses it: by labels, roles and visible text. */
class Dashboard {
  readonly page: Page;
  readonly url: string;
  constructor(page: Page, url: string) {
    this.page = page;
    this.url = url;
  }

  async signIn(token: string): Promise<void> {
    await this.page.goto(this.url);
    await this.page.getByLabel('API token').fill(token);
    await this.page.getByRole('button', { name: /sign in/i }).click();
    await this.page.getByRole('heading', { name: 'Stores', level: 1 }).waitFor();
  }

  row(name: string) {
    return this.page.getByRole('row', { name: new RegExp(name) });
  }

  async createStore(name: string, type?: string): Promise<void> {
    if (type) await this.page.getByLabel('Store type').selectOption({ label: type });
    await this.page.getByLabel('Name (optional)').fill(name);
    await this.page.getByRole('button', { name: /create store/i }).click();
    await this.row(name).waitFor();
  }

  async waitForRowText(name: string, text: RegExp, timeoutMs = 60_000): Promise<void> {
    await this.row(name).filter({ hasText: text }).waitFor({ timeout: timeoutMs });
  }
}

async function dashboardOf(urumi: UrumiProcess): Promise<Dashboard> {
  const page = await openBrowser();
  return new Dashboard(page, urumi.url);
}

describe('the dashboard in Chromium against the real API and cluster', () => {
  it('signs in, creates a store that turns Ready live, shows its timeline, deletes it', async () => {
    const urumi = await startUrumi(await sharedSetup(await freshPostgresUrl()));
    const ui = await dashboardOf(urumi);

    await ui.page.goto(ui.url);
    await ui.page.getByLabel('API token').fill('urumi_not-a-real-token-0000000000000000');
    await ui.page.getByRole('button', { name: /sign in/i }).click();
    await expect.poll(() => ui.page.getByRole('alert').textContent()).toMatch(/token/i);
    await screenshot(ui.page, 'sign-in-refused');

    await ui.signIn(urumi.token);
    // A reload keeps the session (the token lives in the tab's sessionStorage).
    await ui.page.reload();
    await ui.page.getByRole('heading', { name: 'Stores', level: 1 }).waitFor({ timeout: 10_000 });
    await ui.createStore('e2e-shop');
    // No reload: the row changes as the SSE stream reports each step, until Ready.
    await ui.waitForRowText('e2e-shop', /Ready/);
    await screenshot(ui.page, 'stores-list');

    await ui.row('e2e-shop').getByRole('link', { name: 'e2e-shop' }).click();
    const timeline = ui.page.getByRole('list', { name: /timeline/i });
    await timeline.waitFor();
    for (const done of [
      /namespace created/i,
      /helm release installed/i,
      /database ready/i,
      /store set up/i,
    ]) {
      await expect.poll(() => timeline.textContent()).toMatch(done);
    }
    await screenshot(ui.page, 'store-page');

    await ui.page
      .getByRole('button', { name: /^delete/i })
      .first()
      .click();
    const dialog = ui.page.getByRole('dialog');
    await dialog.getByRole('textbox').fill('e2e-shop');
    await dialog.getByRole('button', { name: /delete store/i }).click();
    await ui.page
      .getByText(/deleted|deleting/i)
      .first()
      .waitFor({ timeout: 30_000 });
    await screenshot(ui.page, 'store-deleting');
    await ui.page.getByRole('link', { name: /all stores/i }).click();
    await ui.page.getByRole('heading', { name: 'Stores', level: 1 }).waitFor();
    await expect.poll(() => ui.row('e2e-shop').count(), { timeout: 60_000 }).toBe(0);
  });

  it('creates a Medusa store that turns Ready, with its storefront API and Medusa admin links', async () => {
    const urumi = await startUrumi(await sharedSetup(await freshPostgresUrl()));
    const ui = await dashboardOf(urumi);
    await ui.signIn(urumi.token);
    await ui.createStore('headless-shop', 'Medusa');
    await ui.waitForRowText('headless-shop', /Ready/);
    await expect.poll(() => ui.row('headless-shop').textContent()).toMatch(/Medusa/);

    await ui.row('headless-shop').getByRole('link', { name: 'headless-shop' }).click();
    const details = ui.page.getByRole('region', { name: 'Details' });
    await details.waitFor();
    const admin = details.getByRole('link', { name: /\/app/ });
    await expect.poll(() => admin.getAttribute('href')).toMatch(/^http:\/\/[0-9a-f]{12}\.localhost\/app$/);
    await expect.poll(() => details.textContent()).toMatch(/Storefront API.*Medusa admin/);
    await screenshot(ui.page, 'medusa-store-page');
  });

  it('shows why a store failed, in plain words with its code', async () => {
    const shared = await sharedSetup(await freshPostgresUrl());
    const broken = await valuesFile(shared, {
      wordpress: { podAnnotations: { 'sim.urumi.io/never-ready': 'true' } },
    });
    const urumi = await startUrumi(shared, {
      STORE_EXTRA_VALUES_FILE: broken,
      PROVISION_TIMEOUT_SECONDS: '12',
    });
    const ui = await dashboardOf(urumi);
    await ui.signIn(urumi.token);
    await ui.createStore('broken-shop');
    await ui.waitForRowText('broken-shop', /Failed/, 45_000);
    await ui.row('broken-shop').getByRole('link', { name: 'broken-shop' }).click();
    const reason = ui.page.getByRole('region', { name: /why it failed/i });
    await reason.waitFor();
    await expect.poll(() => reason.textContent()).toMatch(/NOT_READY/);
    await expect.poll(() => ui.page.getByRole('button', { name: /retry/i }).count()).toBe(1);
    await screenshot(ui.page, 'store-failed');
  });
});
