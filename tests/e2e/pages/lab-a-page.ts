// Page module of Lab A in the console: its stack (the KRaft cluster's nodes under the Kafka row, MongoDB, Redis), its
// three instances, commands sent to the presentations API (the lab has no load driver: the API is the load), the Read
// model panel of the Timeline view, and the Topics view's leader/replicas/ISR of presentation.events.
import { expect, type Locator, type Page } from '@playwright/test';

export const LAB_A_COMPONENTS = ['kafka', 'mongodb', 'redis'] as const;
export const LAB_A_INSTANCES = ['projector-1', 'projector-2', 'presentations-api'] as const;
export const LAB_A_TOPIC = 'presentation.events';

export class LabAPage {
  constructor(
    readonly page: Page,
    /** the presentations API (the global setup gives it a free port) */
    readonly apiUrl: string,
  ) {}

  health(component: (typeof LAB_A_COMPONENTS)[number] | `kafka-${number}`): Locator {
    return this.page.getByTestId(`health-${component}`);
  }

  get readModel(): Locator {
    return this.page.getByTestId('read-model-panel');
  }

  async startStack(nodes: number): Promise<void> {
    await this.page.getByRole('button', { name: 'Start local stack' }).click();
    for (const c of LAB_A_COMPONENTS) await expect(this.health(c)).toHaveText('healthy', { timeout: 240_000 });
    for (let n = 1; n <= nodes; n++) await expect(this.health(`kafka-${n}`)).toHaveText('healthy');
  }

  async startAllServices(): Promise<void> {
    await this.page.getByRole('button', { name: 'Start all services' }).click();
    for (const i of LAB_A_INSTANCES)
      await expect(this.page.getByTestId(`service-state-${i}`)).toHaveText('running', { timeout: 120_000 });
  }

  /** One command; the API's answer (status and body). */
  async command(method: string, path: string, body?: unknown): Promise<{ status: number; id?: string }> {
    const res = await this.page.request.fetch(`${this.apiUrl}${path}`, {
      method,
      timeout: 20_000,
      ...(body === undefined ? {} : { data: body }),
    });
    const json = (await res.json().catch(() => ({}))) as { id?: string };
    return { status: res.status(), ...(json.id === undefined ? {} : { id: json.id }) };
  }

  /**
   * Creates `n` presentations (retried while the API waits for its topic) and updates each `updates` times; the ids and
   * how many commands were refused (a 503 whose event Kafka still took later is projected, but never cached in Redis).
   */
  async load(n: number, updates: number): Promise<{ ids: string[]; refused: number }> {
    const ids: string[] = [];
    let refused = 0;
    for (let i = 0; i < n; i++) {
      const body = { title: `e2e talk ${i}`, speaker: `Speaker ${i % 4}`, conference: 'Eventscope', duration_min: 30 };
      await expect
        .poll(
          async () => {
            const a = await this.command('POST', '/presentations', body);
            if (a.status === 202 && a.id !== undefined) ids.push(a.id);
            else refused++;
            return a.status;
          },
          { timeout: 30_000, intervals: [250] },
        )
        .toBe(202);
    }
    for (let u = 1; u <= updates; u++)
      for (const id of ids)
        expect((await this.command('PUT', `/presentations/${id}`, { duration_min: 30 + u })).status).toBe(202);
    return { ids, refused };
  }

  async stopNode(node: string): Promise<void> {
    // the node's row of the Stack view (the lab's fault card has a button of the same name)
    await this.page
      .getByTestId(`node-${node}`)
      .getByRole('button', { name: `Stop ${node}`, exact: true })
      .click();
    await expect(this.health(node as `kafka-${number}`)).toHaveText('stopped', { timeout: 90_000 });
  }

  async startNode(node: string): Promise<void> {
    await this.page
      .getByTestId(`node-${node}`)
      .getByRole('button', { name: `Start ${node}`, exact: true })
      .click();
    await expect(this.health(node as `kafka-${number}`)).toHaveText('healthy', { timeout: 120_000 });
  }

  /** how many projected changes the Read model panel's histogram counts */
  async windowCount(): Promise<number> {
    const text =
      (await this.readModel
        .getByTestId('window-stats')
        .textContent()
        .catch(() => null)) ?? '';
    return Number(/^(\d+) change/.exec(text)?.[1] ?? -1);
  }

  isr(partition: number): Locator {
    return this.page.getByTestId(`isr-${LAB_A_TOPIC}-${partition}`);
  }

  get replicationAlert(): Locator {
    return this.page.getByTestId(`replication-alert-${LAB_A_TOPIC}`);
  }
}
