// MongoDB smoke test through the official driver (never with serverApi): insert, find, update, delete.
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, uniqueName } from './support/index.js';

describe('mongodb', () => {
  const dbName = uniqueName('es_smoke', '_');
  let client: MongoClient;

  beforeAll(async () => {
    client = new MongoClient(endpoints().mongodb.url, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
  });

  afterAll(async () => {
    await client
      ?.db(dbName)
      .dropDatabase()
      .catch(() => undefined);
    await client?.close();
  });

  it('inserts, finds, updates and deletes documents', async () => {
    const orders = client.db(dbName).collection<{ orderId: number; status: string; items: number }>('orders');
    const inserted = await orders.insertMany([
      { orderId: 1, status: 'new', items: 2 },
      { orderId: 2, status: 'new', items: 1 },
      { orderId: 3, status: 'paid', items: 5 },
    ]);
    expect(inserted.insertedCount).toBe(3);

    const fresh = await orders
      .find({ status: 'new' }, { projection: { _id: 0 } })
      .sort({ orderId: 1 })
      .toArray();
    expect(fresh).toEqual([
      { orderId: 1, status: 'new', items: 2 },
      { orderId: 2, status: 'new', items: 1 },
    ]);

    const updated = await orders.updateOne({ orderId: 1 }, { $set: { status: 'paid' }, $inc: { items: 1 } });
    expect(updated.modifiedCount).toBe(1);
    expect(await orders.findOne({ orderId: 1 }, { projection: { _id: 0 } })).toEqual({
      orderId: 1,
      status: 'paid',
      items: 3,
    });

    const deleted = await orders.deleteMany({ status: 'paid' });
    expect(deleted.deletedCount).toBe(2);
    expect(await orders.countDocuments()).toBe(1);
  });
});
