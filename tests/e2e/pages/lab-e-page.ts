// Page module of Lab E's own panels and services: the five instances, the load (tasks), the Schemas panel (Topics
// view) and the Ledger panel (Stack view), and a screenshot of one panel.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import { SCREENSHOT_DIR } from './console-app';

export const LAB_E_INSTANCES = ['tasks', 'accounting', 'analytics', 'auth', 'gateway'] as const;

export class LabEPage {
  constructor(readonly page: Page) {}

  get schemas(): Locator {
    return this.page.getByTestId('schemas-panel');
  }

  get ledger(): Locator {
    return this.page.getByTestId('ledger-panel');
  }

  async startAllServices(): Promise<void> {
    await this.page.getByRole('button', { name: 'Start all services' }).click();
    for (const i of LAB_E_INSTANCES)
      await expect(this.page.getByTestId(`service-state-${i}`)).toHaveText('running', { timeout: 120_000 });
  }

  /** `count` tasks at `rate`/s with the lab's default mix, and waits until the run is done */
  async createTasks(count: number, rate: number): Promise<void> {
    const form = this.page.getByTestId('load-panel');
    await form.getByLabel('Rate (tasks/s)').fill(String(rate));
    await form.getByLabel('Number of tasks').fill(String(count));
    await form.getByRole('button', { name: 'Create tasks' }).click();
    await expect(this.page.getByTestId('load-created')).toHaveText(String(count), { timeout: 90_000 });
    await expect(this.page.getByTestId('load-status')).toContainText('Finished (done)', { timeout: 30_000 });
  }

  /** runs one of the lab's faults (by its id) from the Faults panel; its result sentence */
  async runFault(id: string): Promise<string> {
    const fault = this.page.getByTestId(`fault-${id}`);
    await fault.getByRole('button').click();
    const result = this.page.getByTestId(`fault-result-${id}`);
    await expect(result).not.toBeEmpty({ timeout: 30_000 });
    return (await result.textContent()) ?? '';
  }

  /** the counts row of a topic in the Schemas panel: produced, refused, consumed, duplicates, dead-lettered, on DLQ */
  statsRow(topic: string): Locator {
    return this.schemas.getByTestId(`schema-stats-${topic}`);
  }

  async producedOn(topic: string): Promise<number> {
    return Number((await this.statsRow(topic).getByRole('cell').first().textContent()) ?? 'NaN');
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
