// Page module of Lab C in the console: its seven instances (Stack view), its load (orders), its faults, the Inbox panel
// (Consumer groups view) and the Money panel (Stack view), a screenshot of one panel; and the lab's own HTTP API
// through its gateway (an account, a top-up, an order, the user's event stream), as a student's client calls it.
import { expect, type Locator, type Page } from '@playwright/test';
import { LabPage } from './lab-page';

export const LAB_C_INSTANCES = [
  'orders-1',
  'orders-2',
  'orders-3',
  'payments-1',
  'payments-2',
  'payments-3',
  'gateway',
] as const;

export class LabCPage extends LabPage {
  constructor(page: Page) {
    super(page, LAB_C_INSTANCES);
  }

  get inbox(): Locator {
    return this.page.getByTestId('inbox-panel');
  }

  get money(): Locator {
    return this.page.getByTestId('money-panel');
  }

  /** a number the Inbox panel shows for a consumer (`received`, `duplicates`) */
  async inboxCount(service: 'payments' | 'orders', what: 'received' | 'duplicates'): Promise<number> {
    const text = await this.page
      .getByTestId(`inbox-${service}-${what}`)
      .textContent({ timeout: 5_000 })
      .catch(() => null);
    const m = /-?\d+/.exec(text ?? '');
    return m === null ? -1 : Number(m[0]);
  }
}

/** The lab's API through its gateway and one orders replica, as LABS.md gives it (fetch, no console in between). */
export class LabCApi {
  constructor(
    readonly gateway: string,
    readonly orders: readonly string[],
  ) {}

  static fromEnv(): LabCApi {
    const gateway = process.env.EVENTSCOPE_E2E_LAB_C_GATEWAY_URL ?? '';
    const orders = (process.env.EVENTSCOPE_E2E_LAB_C_ORDERS_URLS ?? '').split(',').filter((u) => u !== '');
    if (gateway === '' || orders.length !== 3)
      throw new Error('EVENTSCOPE_E2E_LAB_C_GATEWAY_URL / _ORDERS_URLS are not set: the global setup did not run');
    return new LabCApi(gateway, orders);
  }

  /** until the gateway and every orders replica answer HTTP ("running" is the process; it listens a moment later) */
  async ready(timeoutMs = 60_000): Promise<void> {
    const answers = async (u: string) =>
      (await fetch(`${u}/orders-api/orders/user/00000000-0000-7000-8000-000000000000`, {
        signal: AbortSignal.timeout(2000),
      }).catch(() => undefined)) !== undefined;
    await expect
      .poll(async () => (await Promise.all([this.gateway, ...this.orders].map(answers))).every(Boolean), {
        timeout: timeoutMs,
        message: 'the gateway and the orders replicas answer',
      })
      .toBe(true);
  }

  private async call<T>(method: 'POST' | 'GET', url: string, body?: unknown): Promise<T> {
    const res = await fetch(url, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  async account(topup: number): Promise<string> {
    const { user_id } = await this.call<{ user_id: string }>('POST', `${this.gateway}/payments-api/accounts`);
    await this.call('POST', `${this.gateway}/payments-api/accounts/${user_id}/topup`, { amount: topup });
    return user_id;
  }

  async order(userId: string, via: string = this.gateway): Promise<string> {
    const { id } = await this.call<{ id: string }>('POST', `${via}/orders-api/orders`, { user_id: userId });
    return id;
  }

  /** opens the user's event stream on one orders replica; the frames' text so far, and a close */
  async stream(userId: string, via: string): Promise<{ text: () => string; close: () => void }> {
    const abort = new AbortController();
    const res = await fetch(`${via}/orders-api/orders/stream?user_id=${encodeURIComponent(userId)}`, {
      signal: abort.signal,
    });
    if (res.status !== 200 || res.body === null) throw new Error(`stream: ${res.status}`);
    let text = '';
    const decoder = new TextDecoder();
    void (async () => {
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
          text += decoder.decode(chunk, { stream: true });
      } catch {
        // closed
      }
    })();
    return { text: () => text, close: () => abort.abort() };
  }
}
