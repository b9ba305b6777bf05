// Page module of the Stack view with Lab D selected: the stack, the Lab D services, load, faults.
import { expect, type Locator, type Page } from '@playwright/test';

/** the components Lab D's manifest needs (the Stack view shows only those) */
export const COMPONENTS = ['kafka', 'postgres'] as const;
export const INSTANCES = ['loms', 'notifier-1', 'notifier-2', 'notifier-3'] as const;
export type Instance = (typeof INSTANCES)[number];
/** Lab D's load mix (manifest `load.mix` ids) */
export type OrderMix = Record<'pay' | 'cancel' | 'failed' | 'none', number>;

export class StackPage {
  constructor(readonly page: Page) {}

  health(component: (typeof COMPONENTS)[number]): Locator {
    return this.page.getByTestId(`health-${component}`);
  }

  serviceState(instance: Instance): Locator {
    return this.page.getByTestId(`service-state-${instance}`);
  }

  async startStack(): Promise<void> {
    await this.page.getByRole('button', { name: 'Start local stack' }).click();
    for (const c of COMPONENTS) await expect(this.health(c)).toHaveText('healthy', { timeout: 240_000 });
    await expect(this.page.getByTestId('stack-summary')).toContainText('All components healthy in', {
      timeout: 30_000,
    });
  }

  async startAllServices(): Promise<void> {
    await this.page.getByRole('button', { name: 'Start all services' }).click();
    for (const i of INSTANCES) await expect(this.serviceState(i)).toHaveText('running', { timeout: 120_000 });
  }

  async createOrders(count: number, rate: number, mix: OrderMix): Promise<void> {
    const form = this.page.getByTestId('load-panel');
    await form.getByLabel('Rate (orders/s)').fill(String(rate));
    await form.getByLabel('Number of orders').fill(String(count));
    for (const [id, weight] of Object.entries(mix)) await form.getByTestId(`load-mix-${id}`).fill(String(weight));
    await form.getByRole('button', { name: 'Create orders' }).click();
  }

  async waitForLoadDone(count: number, timeout = 120_000): Promise<void> {
    await expect(this.page.getByTestId('load-created')).toHaveText(String(count), { timeout });
    await expect(this.page.getByTestId('load-status')).toContainText('Finished (done)', { timeout });
  }

  async kill(instance: Instance): Promise<void> {
    await this.page.getByRole('button', { name: `Kill ${instance}` }).click();
    await expect(this.serviceState(instance)).toHaveText('exited', { timeout: 30_000 });
  }

  /** Restarts an instance that runs a broken mode as the correct service. */
  async restartCorrect(instance: Instance): Promise<void> {
    await this.page.getByRole('combobox', { name: `Mode of ${instance}` }).selectOption({ label: 'correct' });
    await this.page.getByRole('button', { name: `Restart ${instance}` }).click();
    await expect(this.page.getByTestId(`service-broken-${instance}`)).toHaveCount(0, { timeout: 60_000 });
    await expect(this.serviceState(instance)).toHaveText('running', { timeout: 60_000 });
  }

  async stopKafka(): Promise<void> {
    await this.page.getByRole('button', { name: 'Stop Kafka' }).click();
    await expect(this.health('kafka')).not.toHaveText('healthy', { timeout: 60_000 });
  }

  async startKafka(): Promise<void> {
    await this.page.getByRole('button', { name: 'Start Kafka' }).click();
    await expect(this.health('kafka')).toHaveText('healthy', { timeout: 180_000 });
  }
}
