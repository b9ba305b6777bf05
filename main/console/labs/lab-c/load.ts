// Lab C's unit of load, through the gateway: one order. `funded`: a user of a small pool (made on first use) is topped
// up with the most an order can cost (1000.00), then orders, so payments pays it; `under-funded`: a new user topped up
// with less than the least an order costs (50.00 < 100.00), so payments keeps it waiting for the funds window and then
// fails it. The unit resolves when the gateway accepted the order (its end is the checks' to judge).
import type { LoadRun } from '../../load/load-generator.js';

/** users the funded orders take turns on (a new one each while there are fewer) */
const POOL = 8;
const MOST = 1000;
const TOO_LITTLE = 50;

async function call<T>(run: LoadRun, url: string, body?: unknown): Promise<T> {
  const res = await run.fetch(url, {
    method: 'POST',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const json: unknown = await res.json().catch(() => undefined);
  if (!res.ok) throw new Error(`POST ${new URL(url).pathname} answered ${res.status}: ${JSON.stringify(json)}`);
  return json as T;
}

export interface LabCLoad {
  unit(outcome: string, run: LoadRun): Promise<string>;
}

export function createLabCLoad(gatewayUrl: () => string): LabCLoad {
  const users: string[] = [];
  let turn = 0;
  const newUser = async (run: LoadRun): Promise<string> =>
    (await call<{ user_id: string }>(run, `${gatewayUrl()}/payments-api/accounts`)).user_id;
  const topUp = (run: LoadRun, user: string, amount: number) =>
    call(run, `${gatewayUrl()}/payments-api/accounts/${user}/topup`, { amount });
  const order = (run: LoadRun, user: string) =>
    call<{ id: string }>(run, `${gatewayUrl()}/orders-api/orders`, { user_id: user });

  return {
    async unit(outcome, run) {
      if (outcome === 'under-funded') {
        const user = await newUser(run);
        await topUp(run, user, TOO_LITTLE);
        await order(run, user);
        return 'under-funded';
      }
      let user: string;
      if (users.length < POOL) {
        user = await newUser(run);
        users.push(user);
      } else user = users[turn++ % users.length]!;
      await topUp(run, user, MOST);
      await order(run, user);
      return 'funded';
    },
  };
}
