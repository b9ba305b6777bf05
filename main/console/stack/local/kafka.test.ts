import { describe, expect, it } from 'vitest';
import { newClusterId } from './kafka.js';

describe('newClusterId', () => {
  it('is 22 base64url characters and never starts with "-" (kafka-storage would read it as an option)', () => {
    const dash = Buffer.alloc(16, 0xfb); // base64url "-_-_…"
    const plain = Buffer.alloc(16, 0x01);
    const draws = [dash, dash, plain];
    const id = newClusterId(() => draws.shift() as Buffer);
    expect(id).toBe(plain.toString('base64url'));
    expect(draws).toHaveLength(0);
    for (let i = 0; i < 200; i++) expect(newClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});
