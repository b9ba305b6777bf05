// Page module of the Timeline view: search an order, read its steps.
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
      .getByTestId('orders-recent')
      .getByTestId('order-row')
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
    await expect(this.page.getByTestId('timeline-order-id')).toHaveText(orderId);
  }

  async rows(): Promise<StepRow[]> {
    const rows = this.page.getByTestId('timeline-row');
    const out: StepRow[] = [];
    for (const row of await rows.all()) {
      out.push({
        status: (await row.getAttribute('data-status')) ?? '',
        partition: ((await row.getByTestId('step-partition').allInnerTexts())[0] ?? '').trim(),
        offset: ((await row.getByTestId('step-offset').allInnerTexts())[0] ?? '').trim(),
        instance: ((await row.getByTestId('step-instance').allInnerTexts())[0] ?? '').trim(),
      });
    }
    return out;
  }
}
