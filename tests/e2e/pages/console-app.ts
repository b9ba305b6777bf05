// Page module of the whole console: the lab picker, navigation between views, and a screenshot of each.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page } from '@playwright/test';

export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../../../test-results/screenshots');

export type ViewName =
  'Stack' | 'System' | 'Topics & partitions' | 'Consumer groups' | 'Queues' | 'Outbox' | 'Timeline' | 'Checks';
const VIEW_TEST_ID: Record<ViewName, string> = {
  Stack: 'view-stack',
  System: 'view-system',
  'Topics & partitions': 'view-topics',
  'Consumer groups': 'view-groups',
  Queues: 'view-queues',
  Outbox: 'view-outbox',
  Timeline: 'view-timeline',
  Checks: 'view-checks',
};

export class ConsoleApp {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await expect(this.page.getByTestId('connection')).toHaveText('connected', { timeout: 20_000 });
  }

  /** Picks a lab by its title in the sidebar's picker (a no-op when it is the selected one) and waits for it. */
  async pickLab(title: string, summary?: string): Promise<void> {
    const picker = this.page.getByRole('combobox', { name: 'Lab' });
    await expect(picker.getByRole('option', { name: title })).toHaveCount(1, { timeout: 20_000 });
    await picker.selectOption({ label: title });
    await expect(picker).toBeEnabled({ timeout: 60_000 });
    await expect(picker.locator('option:checked')).toHaveText(title);
    if (summary !== undefined) await expect(this.page.getByTestId('lab-summary')).toHaveText(summary);
  }

  async show(view: ViewName): Promise<void> {
    await this.page.getByRole('tab', { name: new RegExp(`^${view.replace('&', '\\&')}`) }).click();
    await expect(this.page.getByTestId(VIEW_TEST_ID[view])).toBeVisible();
  }

  /** A full-page screenshot of the view shown now, into test-results/screenshots/<name>.png. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = path.join(SCREENSHOT_DIR, `${name}.png`);
    // from the top, so the sticky sidebar is where a reader expects it
    await this.page.mouse.wheel(0, -100_000);
    await expect.poll(() => this.page.evaluate<number>('window.scrollY')).toBe(0);
    await this.page.screenshot({ path: file, fullPage: true });
    return file;
  }
}
