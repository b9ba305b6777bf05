import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/app-error.js';
import { CreateOrderRequest, OrderIdRequest, mergeItems, parseJsonBody, parseRequest } from './validation.js';

function rejection(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('request validation', () => {
  it('accepts the course example and normalises int64 ids to decimal strings', () => {
    expect(parseRequest(CreateOrderRequest, { userId: '1000', items: [{ sku: '1076963', count: 5 }] })).toEqual({
      userId: '1000',
      items: [{ sku: '1076963', count: 5 }],
    });
    expect(parseRequest(CreateOrderRequest, { userId: 1000, items: [{ sku: 1076963, count: '5' }] })).toEqual({
      userId: '1000',
      items: [{ sku: '1076963', count: 5 }],
    });
    expect(parseRequest(OrderIdRequest, { orderId: '9223372036854775807' })).toEqual({
      orderId: '9223372036854775807',
    });
  });

  it.each([
    [{ items: [{ sku: '1', count: 1 }] }, 'userId', /required/],
    [{ userId: 'abc', items: [{ sku: '1', count: 1 }] }, 'userId', /int64/],
    [{ userId: '0', items: [{ sku: '1', count: 1 }] }, 'userId', /positive/],
    [{ userId: '9223372036854775808', items: [{ sku: '1', count: 1 }] }, 'userId', /int64/],
    [{ userId: '1', items: [] }, 'items', /empty/],
    [{ userId: '1', items: 'x' }, 'items', /array/],
    [
      {
        userId: '1',
        items: [
          { sku: '1', count: 1 },
          { sku: '-2', count: 1 },
        ],
      },
      'items[1].sku',
      /int64/,
    ],
    [{ userId: '1', items: [{ sku: '1', count: 0 }] }, 'items[0].count', /uint32/],
    [{ userId: '1', items: [{ sku: '1', count: 1.5 }] }, 'items[0].count', /uint32/],
    [{ userId: '1', items: [{ sku: '1' }] }, 'items[0].count', /required/],
  ])('rejects %j naming %s', (body, field, message) => {
    const err = rejection(() => parseRequest(CreateOrderRequest, body));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.details?.field).toBe(field);
    expect(err.message).toMatch(message);
    expect(err.message.startsWith(`${field}:`)).toBe(true);
  });

  it('rejects bodies that are not a JSON object', () => {
    for (const text of ['', '{', '[1]', '"x"', 'null']) {
      const err = rejection(() => parseJsonBody(text));
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.details?.field).toBe('body');
    }
  });

  it('merges repeated skus', () => {
    expect(
      mergeItems([
        { sku: '1', count: 1 },
        { sku: '2', count: 2 },
        { sku: '1', count: 3 },
      ]),
    ).toEqual([
      { sku: '1', count: 4 },
      { sku: '2', count: 2 },
    ]);
  });
});
