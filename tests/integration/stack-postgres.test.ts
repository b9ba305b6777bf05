// Postgres smoke test: a transaction that commits is visible, one that rolls back is not.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/index.js';

describe('postgres', () => {
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase('smoke');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('create table items (id serial primary key, name text not null unique)');
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('commits a transaction', async () => {
    await client.query('begin');
    await client.query('insert into items (name) values ($1)', ['committed']);
    await client.query('commit');
    const res = await client.query<{ n: string }>('select count(*) as n from items where name = $1', ['committed']);
    expect(res.rows[0]?.n).toBe('1');
  });

  it('rolls a transaction back, explicitly and on an error', async () => {
    await client.query('begin');
    await client.query('insert into items (name) values ($1)', ['rolled-back']);
    await client.query('rollback');

    await client.query('begin');
    await client.query('insert into items (name) values ($1)', ['half-done']);
    await expect(client.query('insert into items (name) values ($1)', ['committed'])).rejects.toThrow(/duplicate key/);
    await client.query('rollback');

    const res = await client.query<{ name: string }>('select name from items order by id');
    expect(res.rows.map((r) => r.name)).toEqual(['committed']);
  });
});
