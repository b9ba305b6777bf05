// Page module of the Timeline view with Lab D selected: search an order, read its steps (the columns are Lab D's
// manifest steps: committed, published, processed).
import { expect, type Page } from '@playwright/test';

export interface StepRow {
  status: string;
  partition: string;
  offset: string;
  instance: string;
}

export class TimelinePage {
  constructor(readonly page: Page) {}

  /** The id of a recent order whose status path includes `status` and that a notifier processed. */
  async recentOrderWith(status: string): Promise<string> {
    const row = this.page
      .getByTestId('entities-recent')
      .getByTestId('entity-row')
      .filter({ hasText: status })
      .filter({ hasText: /notifier-[123]/ })
      .first();
    await expect(row).toBeVisible({ timeout: 60_000 });
    const label = (await row.getAttribute('aria-label')) ?? '';
    return label.replace(/^Order /, '');
  }

  async search(orderId: string): Promise<void> {
    await this.page.getByRole('searchbox', { name: 'Order id' }).fill(orderId);
    await this.page.getByRole('button', { name: 'Show timeline' }).click();
    await expect(this.page.getByTestId('timeline-entity-id')).toHaveText(orderId);
  }

  async rows(): Promise<StepRow[]> {
    const rows = this.page.getByTestId('timeline-row');
    const out: StepRow[] = [];
    for (const row of await rows.all()) {
      const published = row.locator('[data-step="published"]');
      const processed = row.locator('[data-step="processed"]');
      out.push({
        status: (await row.getAttribute('data-status')) ?? '',
        partition: ((await published.getByTestId('step-partition').allInnerTexts())[0] ?? '').trim(),
        offset: ((await published.getByTestId('step-offset').allInnerTexts())[0] ?? '').trim(),
        instance: ((await processed.getByTestId('step-actor').allInnerTexts())[0] ?? '').trim(),
      });
    }
    return out;
  }
}
