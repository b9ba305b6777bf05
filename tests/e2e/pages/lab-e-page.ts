// Page module of Lab E's own panels and services: the five instances, the load (tasks), the Schemas panel (Topics
// view) and the Ledger panel (Stack view), and a screenshot of one panel.
import type { Locator, Page } from '@playwright/test';
import { LabPage } from './lab-page';

export const LAB_E_INSTANCES = ['tasks', 'accounting', 'analytics', 'auth', 'gateway'] as const;

export class LabEPage extends LabPage {
  constructor(page: Page) {
    super(page, LAB_E_INSTANCES);
  }

  get schemas(): Locator {
    return this.page.getByTestId('schemas-panel');
  }

  get ledger(): Locator {
    return this.page.getByTestId('ledger-panel');
  }

  /** the counts row of a topic in the Schemas panel: produced, refused, consumed, duplicates, dead-lettered, on DLQ */
  statsRow(topic: string): Locator {
    return this.schemas.getByTestId(`schema-stats-${topic}`);
  }

  async producedOn(topic: string): Promise<number> {
    return Number((await this.statsRow(topic).getByRole('cell').first().textContent()) ?? 'NaN');
  }
}
