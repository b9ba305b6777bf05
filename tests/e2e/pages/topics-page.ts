// Page module of the Topics view's message browser: search with a filter, look at a record, produce one.
import { expect, type Locator, type Page } from '@playwright/test';

export class TopicsPage {
  constructor(readonly page: Page) {}

  get browser(): Locator {
    return this.page.getByTestId('browser-panel');
  }

  /** Searches the topic for records whose value contains `text`; the number found and the cost line. */
  async searchText(topic: string, text: string): Promise<{ found: number; cost: string }> {
    const form = this.browser.getByRole('form', { name: 'Search a topic' });
    await form.getByLabel('Topic').selectOption(topic);
    await form.getByLabel('Value contains').fill(text);
    await form.getByRole('button', { name: 'Search' }).click();
    const cost = this.browser.getByTestId('browse-cost');
    await expect(cost).toBeVisible({ timeout: 30_000 });
    return { found: await this.browser.getByTestId('browse-record').count(), cost: (await cost.textContent()) ?? '' };
  }

  /** Shows the selected record's value as JSON, Text or Hex; the text shown. */
  async valueAs(view: 'JSON' | 'Text' | 'Hex'): Promise<string> {
    const detail = this.browser.getByTestId('browse-detail');
    await detail.getByRole('button', { name: view, exact: true }).click();
    return (await detail.getByTestId('browse-value').textContent()) ?? '';
  }

  /** "Produce again…" from the selected record with another key and value; where it landed. */
  async produceAgain(key: string, value: string): Promise<string> {
    await this.browser.getByTestId('browse-detail').getByRole('button', { name: 'Produce again…' }).click();
    const form = this.browser.getByRole('form', { name: 'Produce a record' });
    await form.getByRole('combobox', { name: /^Partition/ }).selectOption('');
    await form.getByRole('textbox', { name: 'Key', exact: true }).fill(key);
    await form.getByRole('textbox', { name: 'Value', exact: true }).fill(value);
    await form.getByRole('button', { name: 'Produce', exact: true }).click();
    const result = form.getByTestId('produce-result');
    await expect(result).toHaveText(/produced to /, { timeout: 30_000 });
    return (await result.textContent()) ?? '';
  }
}
