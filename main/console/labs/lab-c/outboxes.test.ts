import { describe, expect, it } from 'vitest';
import { LinkProxy } from '../../faults/link-proxy.js';
import type { LabContext } from '../types.js';
import { createLabC } from './index.js';

const ctx = {
  endpoints: () => ({ postgres: { url: 'postgres://lab:secret@127.0.0.1:5432/eventscope' } }),
} as unknown as LabContext;

describe('Lab C outboxes', () => {
  // links of the test's own, never started: the module opens no port
  const lab = createLabC({}, { links: { orders: new LinkProxy(), payments: new LinkProxy() } });

  it('declares the orders and payments outboxes, each in its own service database', () => {
    const outboxes = lab.outboxes ?? [];
    expect(outboxes.map((o) => [o.name, o.table])).toEqual([
      ['orders', 'orders_outbox'],
      ['payments', 'payments_outbox'],
    ]);
    const urls = outboxes.map((o) => o.databaseUrl?.(ctx));
    expect(urls.every((u) => typeof u === 'string')).toBe(true);
    expect(new Set(urls).size).toBe(2);
    expect(new URL(urls[0]!).pathname).toMatch(/_orders$/);
    expect(new URL(urls[1]!).pathname).toMatch(/_payments$/);
    // the same server and login as the stack's Postgres
    for (const u of urls) expect(new URL(u!).host).toBe('127.0.0.1:5432');
  });

  it('reads the columns of the services’ outbox table and gives the timeline no facts of its own', () => {
    for (const o of lab.outboxes ?? []) {
      expect(o.columns).toEqual({
        id: 'id',
        entity: 'aggregate_id',
        status: 'event_type',
        createdAt: 'created_at',
        sentAt: 'sent_at',
      });
      // the committed and payment steps come from the services' lines (lines.ts)
      expect(o.timeline).toBe(false);
    }
  });

  it('shows the Outbox view', () => {
    expect(lab.manifest.views).toContain('outbox');
  });
});
