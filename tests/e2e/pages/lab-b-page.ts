// Page module of Lab B in the console: its stack (RabbitMQ, Postgres) and seven instances on the Stack view, its load,
// the broker's Stop/Start buttons, and the Queues view (topology, queue table, fan-out vs work queue).
import { expect, type Locator, type Page } from '@playwright/test';

export const LAB_B_COMPONENTS = ['rabbitmq', 'postgres'] as const;
export const LAB_B_INSTANCES = [
  'audit',
  'users',
  'notification-1',
  'notification-2',
  'reports',
  'auth',
  'vacation',
] as const;
export type LabBInstance = (typeof LAB_B_INSTANCES)[number];
/** the work queue the two notification instances share (the e2e runs Lab B without a prefix) */
export const WORK_QUEUE = 'notification.vacation';

export class LabBPage {
  constructor(readonly page: Page) {}

  health(component: (typeof LAB_B_COMPONENTS)[number]): Locator {
    return this.page.getByTestId(`health-${component}`);
  }

  serviceState(instance: LabBInstance): Locator {
    return this.page.getByTestId(`service-state-${instance}`);
  }

  async startStack(): Promise<void> {
    await this.page.getByRole('button', { name: 'Start local stack' }).click();
    for (const c of LAB_B_COMPONENTS) await expect(this.health(c)).toHaveText('healthy', { timeout: 120_000 });
  }

  async startAllServices(): Promise<void> {
    await this.page.getByRole('button', { name: 'Start all services' }).click();
    for (const i of LAB_B_INSTANCES) await expect(this.serviceState(i)).toHaveText('running', { timeout: 90_000 });
  }

  /** Starts a load run of `count` units at `rate`/s with the lab's default mix (it does not wait for its end). */
  async runLoad(count: number, rate: number): Promise<void> {
    const form = this.page.getByTestId('load-panel');
    await form.getByLabel(/^Rate \(/).fill(String(rate));
    await form.getByLabel(/^Number of /).fill(String(count));
    await form.getByRole('button', { name: /^Create / }).click();
    await expect(this.page.getByTestId('load-created')).toBeVisible({ timeout: 10_000 });
  }

  async waitForLoadDone(count: number, timeout = 90_000): Promise<void> {
    await expect(this.page.getByTestId('load-created')).toHaveText(String(count), { timeout });
    await expect(this.page.getByTestId('load-status')).toContainText('Finished', { timeout });
  }

  async kill(instance: LabBInstance): Promise<void> {
    await this.page.getByRole('button', { name: `Kill ${instance}`, exact: true }).click();
    await expect(this.serviceState(instance)).toHaveText('exited', { timeout: 30_000 });
  }

  async start(instance: LabBInstance): Promise<void> {
    await this.page.getByRole('button', { name: `Start ${instance}`, exact: true }).click();
    await expect(this.serviceState(instance)).toHaveText('running', { timeout: 60_000 });
  }

  /** Stops the broker (the e2e's own node) and starts it again. */
  async restartBroker(): Promise<void> {
    await this.page.getByRole('button', { name: 'Stop RabbitMQ' }).click();
    await expect(this.health('rabbitmq')).not.toHaveText('healthy', { timeout: 60_000 });
    await this.page.getByRole('button', { name: 'Start RabbitMQ' }).click();
    await expect(this.health('rabbitmq')).toHaveText('healthy', { timeout: 120_000 });
  }

  // --- the Queues view

  queueCell(what: 'ready' | 'unacked' | 'consumers' | 'redeliver', queue: string): Locator {
    return this.page.getByTestId(`queue-${what}-${queue}`);
  }

  /** how many messages an instance holds unacked on the work queue (the fan-out vs work-queue panel) */
  async heldBy(instance: string): Promise<number> {
    const row = this.page.getByTestId(`work-${WORK_QUEUE}`).getByTestId(`work-consumer-${instance}`);
    const text = (await row.textContent({ timeout: 5_000 }).catch(() => null)) ?? '';
    const m = /holds (\d+) unacked/.exec(text);
    return m === null ? -1 : Number(m[1]);
  }
}
