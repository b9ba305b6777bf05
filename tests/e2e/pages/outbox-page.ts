// Page module of the Outbox view.
import { expect, type Page } from '@playwright/test';

export class OutboxPage {
  constructor(readonly page: Page) {}

  async pending(): Promise<number> {
    return Number(await this.page.getByTestId('outbox-pending').innerText());
  }

  async expectBacklogAbove(n: number, timeout = 60_000): Promise<void> {
    await expect(async () => expect(await this.pending()).toBeGreaterThan(n)).toPass({ timeout });
  }

  async expectBacklog(n: number, timeout = 120_000): Promise<void> {
    await expect(this.page.getByTestId('outbox-pending')).toHaveText(String(n), { timeout });
  }
}
