// What the page modules of the labs with panels of their own share: start every instance of the lab from the Stack
// view, run one of its faults with its default arguments, create load units, and a screenshot of one panel.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import { SCREENSHOT_DIR } from './console-app';

export class LabPage {
  constructor(
    readonly page: Page,
    readonly instances: readonly string[],
  ) {}

  async startAllServices(): Promise<void> {
    await this.page.getByRole('button', { name: 'Start all services' }).click();
    for (const i of this.instances)
      await expect(this.page.getByTestId(`service-state-${i}`)).toHaveText('running', { timeout: 120_000 });
  }

  /** `count` units at `rate`/s with the lab's default mix from the Load panel, and waits until the run is done */
  async createUnits(count: number, rate: number): Promise<void> {
    const form = this.page.getByTestId('load-panel');
    await form.getByLabel(/^Rate \(/).fill(String(rate));
    await form.getByLabel(/^Number of /).fill(String(count));
    await form.getByRole('button', { name: /^Create / }).click();
    await expect(this.page.getByTestId('load-created')).toHaveText(String(count), { timeout: 120_000 });
    await expect(this.page.getByTestId('load-status')).toContainText('Finished (done)', { timeout: 30_000 });
  }

  /** runs one of the lab's faults (by its id) with its default arguments from the Faults panel; its result sentence */
  async runFault(id: string): Promise<string> {
    const fault = this.page.getByTestId(`fault-${id}`);
    await fault.locator('.fault-head button').click();
    const result = this.page.getByTestId(`fault-result-${id}`);
    await expect(result).not.toBeEmpty({ timeout: 30_000 });
    return (await result.textContent()) ?? '';
  }

  /** a screenshot of one panel (the views are long) into test-results/screenshots/<name>.png */
  async screenshot(panel: Locator, name: string): Promise<string> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = path.join(SCREENSHOT_DIR, `${name}.png`);
    await panel.scrollIntoViewIfNeeded();
    await panel.screenshot({ path: file });
    return file;
  }
}
