// Several services of a lab starting together on a fresh server each create their database: Postgres refuses two
// CREATE DATABASE at once (55006), so the shared ensureDatabase takes them one at a time.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDatabase, withDatabase } from '../../services/shared/database.js';
import { endpoints, uniqueName } from './support/index.js';

const names = Array.from({ length: 6 }, (_, i) => uniqueName(`sdb${i}`).replace(/[^a-zA-Z0-9_]/g, '_'));

afterAll(async () => {
  const admin = new pg.Client({ connectionString: withDatabase(endpoints().postgres.url, 'postgres') });
  await admin.connect();
  for (const n of names) await admin.query(`DROP DATABASE IF EXISTS "${n}"`).catch(() => undefined);
  await admin.end();
});

describe('ensureDatabase', () => {
  it('creates six databases asked for at once (each twice), every one exactly once', async () => {
    const urls = names.map((n) => withDatabase(endpoints().postgres.url, n));
    const created = await Promise.all([...urls, ...urls].map((u) => ensureDatabase(u)));
    for (let i = 0; i < names.length; i++)
      expect([created[i], created[i + names.length]].filter(Boolean)).toHaveLength(1);
    expect(await Promise.all(urls.map((u) => ensureDatabase(u)))).toEqual(urls.map(() => false));
  });
});
