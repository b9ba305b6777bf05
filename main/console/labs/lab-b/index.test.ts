import { describe, expect, it } from 'vitest';
import type { LabContext } from '../types.js';
import { createLabB } from './index.js';

const ctx = {
  endpoints: () => ({
    rabbitmq: { url: 'amqp://guest:guest@127.0.0.1:5672' },
    postgres: { url: 'postgresql://postgres@127.0.0.1:5432/postgres' },
  }),
} as unknown as LabContext;

describe('Lab B instance env', () => {
  it('gives the work delay to the work queue’s consumers only', () => {
    const lab = createLabB({ EVENTSCOPE_LAB_B_WORK_DELAY_MS: '500' });
    expect(lab.env(ctx, 'notification', 'notification-1').WORK_DELAY_MS).toBe('500');
    for (const kind of ['users', 'audit', 'reports', 'auth', 'vacation'])
      expect(lab.env(ctx, kind, kind).WORK_DELAY_MS, kind).toBeUndefined();
  });

  it('sets no work delay when none is configured', () => {
    expect(createLabB({}).env(ctx, 'notification', 'notification-2').WORK_DELAY_MS).toBeUndefined();
  });
});
