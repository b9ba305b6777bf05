// A lab's outboxes in several databases, through the console with fake pools: one pool per distinct URL (a spec's own,
// else the lab's databaseUrl, else the stack's Postgres), ended on stop; every outbox's diffs pushed with its name;
// outbox:snapshot and outbox:history answer each one; an outbox kept out of the timeline reads no rows for it.
import path from 'node:path';
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import { loadConsoleConfig } from '../../main/console/config/console-config.js';
import { createConsole, type Console } from '../../main/console/create-console.js';
import type { PayloadOf } from '../../main/console/contract/console-api.js';
import type { LabModule } from '../../main/console/labs/types.js';
import type { StackEndpoints, StackProvider } from '../../main/console/stack/types.js';
import { createFixtureLab } from '../fixtures/lab-fixture/module.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const STACK_PG = 'postgres://u:p@127.0.0.1:5999/stack';

const ENDPOINTS: StackEndpoints = {
  kafka: { brokers: ['127.0.0.1:1'] },
  postgres: { url: STACK_PG },
  rabbitmq: { url: 'amqp://127.0.0.1:1' },
  mongodb: { url: 'mongodb://127.0.0.1:1' },
  redis: { url: 'redis://127.0.0.1:1' },
};

/** a stack of which only Postgres is healthy */
const provider: StackProvider = {
  kind: 'external',
  up: () => Promise.reject(new Error('not in this test')),
  down: () => Promise.resolve(),
  status: () => Promise.resolve([{ name: 'postgres', state: 'healthy', endpoint: '', detail: 'fake' }]),
  logs: () => Promise.resolve([]),
  onHealth: () => () => undefined,
  endpoints: () => ENDPOINTS,
  stopComponent: () => Promise.resolve(),
  startComponent: () => Promise.resolve(),
};

interface FakePool {
  url: string;
  sql: string[];
  ended: boolean;
}

/** pools that answer the backlog query with `pending` rows per URL (and no fact rows) */
function fakePools(pending: Record<string, number>) {
  const pools: FakePool[] = [];
  const factory = (url: string) => {
    const p: FakePool = { url, sql: [], ended: false };
    pools.push(p);
    return {
      on: () => undefined,
      query: (sql: string) => {
        p.sql.push(sql);
        if (sql.includes('AS pending'))
          return Promise.resolve({ rows: [{ pending: String(pending[url] ?? 0), oldest: new Date(), sent: '3' }] });
        if (sql.includes('max(')) return Promise.resolve({ rows: [{ max: '0' }] });
        return Promise.resolve({ rows: [] });
      },
      end: () => {
        p.ended = true;
        return Promise.resolve();
      },
    } as unknown as pg.Pool;
  };
  return { pools, factory };
}

const columns = { id: 'id', entity: 'aggregate_id', status: 'status', createdAt: 'created_at', sentAt: 'sent_at' };

function labWithOutboxes(): LabModule {
  const base = createFixtureLab({ topic: 'fixture-items', group: 'fixture-workers', count: 1 });
  return {
    ...base,
    manifest: { ...base.manifest, components: ['postgres'], views: [...base.manifest.views, 'outbox'] },
    databaseUrl: () => 'postgres://u:p@127.0.0.1:5999/lab',
    outboxes: [
      {
        name: 'a',
        table: 'a_outbox',
        columns,
        step: 'published',
        databaseUrl: () => 'postgres://u:p@127.0.0.1:5999/a',
      },
      {
        name: 'b',
        table: 'b_outbox',
        columns,
        step: 'published',
        databaseUrl: () => 'postgres://u:p@127.0.0.1:5999/b',
        timeline: false,
      },
      // the lab's database, and a second table in the same one
      { name: 'c', table: 'c_outbox', columns, step: 'published' },
      { name: 'd', table: 'd_outbox', columns, step: 'published', timeline: false },
    ],
  };
}

let console_: Console | undefined;
afterEach(async () => {
  await console_?.stop();
  console_ = undefined;
});

describe('the console with several outboxes', () => {
  it('opens one pool per database, pushes and answers every outbox by name, ends the pools on stop', async () => {
    const { pools, factory } = fakePools({
      'postgres://u:p@127.0.0.1:5999/a': 1,
      'postgres://u:p@127.0.0.1:5999/b': 2,
      'postgres://u:p@127.0.0.1:5999/lab': 4,
    });
    const diffs: PayloadOf<'outbox:diff'>[] = [];
    console_ = createConsole({
      config: loadConsoleConfig(ROOT, { EVENTSCOPE_POLL_MS: '100', EVENTSCOPE_LAB: 'lab-fixture' }),
      provider,
      logger: createMemoryLogger('console').logger,
      mode: 'web',
      version: 'test',
      labs: [labWithOutboxes()],
      poolFactory: factory,
    });
    console_.subscribe((e) => {
      if (e.name === 'outbox:diff') diffs.push(e.payload);
    });
    await console_.start();
    expect(pools.map((p) => p.url).sort()).toEqual([
      'postgres://u:p@127.0.0.1:5999/a',
      'postgres://u:p@127.0.0.1:5999/b',
      'postgres://u:p@127.0.0.1:5999/lab',
    ]);

    const snap = await waitFor(async () => {
      const s = await console_!.handlers['outbox:snapshot']({});
      return s.outboxes?.every((o) => o.state !== null) ? s : undefined;
    });
    expect(snap.outboxes?.map((o) => [o.name, o.table, o.state?.pending])).toEqual([
      ['a', 'a_outbox', 1],
      ['b', 'b_outbox', 2],
      ['c', 'c_outbox', 4],
      ['d', 'd_outbox', 4],
    ]);
    // the first outbox's, as a one-outbox renderer reads it
    expect(snap.state?.pending).toBe(1);
    expect(snap.seq).toBe(snap.outboxes?.[0]?.seq);
    expect(new Set(diffs.map((d) => d.outbox))).toEqual(new Set(['a', 'b', 'c', 'd']));
    expect(diffs.find((d) => d.outbox === 'b')?.changes.pending).toBe(2);

    const history = await console_.handlers['outbox:history']({ name: 'b' });
    expect(history.samples.length).toBeGreaterThan(0);
    expect(history.samples.every((s) => s.pending === 2)).toBe(true);
    expect((await console_.handlers['outbox:history']({})).samples.every((s) => s.pending === 1)).toBe(true);
    await expect(console_.handlers['outbox:history']({ name: 'nope' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });

    // only the outboxes that feed the timeline read its rows
    const reads = (url: string, table: string) =>
      pools.find((p) => p.url === url)!.sql.some((q) => q.includes(`FROM ${table} WHERE`));
    expect(reads('postgres://u:p@127.0.0.1:5999/a', 'a_outbox')).toBe(true);
    expect(reads('postgres://u:p@127.0.0.1:5999/b', 'b_outbox')).toBe(false);
    expect(reads('postgres://u:p@127.0.0.1:5999/lab', 'c_outbox')).toBe(true);
    expect(reads('postgres://u:p@127.0.0.1:5999/lab', 'd_outbox')).toBe(false);

    await console_.stop();
    console_ = undefined;
    expect(pools.every((p) => p.ended)).toBe(true);
  });

  it('ends the pools when another lab is selected', async () => {
    const { pools, factory } = fakePools({});
    const other = createFixtureLab({ topic: 'other-items', group: 'other-workers', count: 1 });
    console_ = createConsole({
      config: loadConsoleConfig(ROOT, { EVENTSCOPE_POLL_MS: '100', EVENTSCOPE_LAB: 'lab-fixture' }),
      provider,
      logger: createMemoryLogger('console').logger,
      mode: 'web',
      version: 'test',
      labs: [labWithOutboxes(), { ...other, manifest: { ...other.manifest, id: 'lab-other' } }],
      poolFactory: factory,
    });
    await console_.start();
    expect(pools).toHaveLength(3);
    await console_.handlers['labs:select']({ lab: 'lab-other' });
    expect(pools.every((p) => p.ended)).toBe(true);
    const snap = await console_.handlers['outbox:snapshot']({});
    expect(snap).toEqual({ seq: 0, state: null, outboxes: [] });
  });
});
