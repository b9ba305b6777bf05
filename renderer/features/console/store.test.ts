import { describe, expect, it } from 'vitest';
import { createConsoleStore } from './store';

const kafkaDown = (source: string, at: number) => ({
  source,
  error: { code: 'KAFKA_UNAVAILABLE' as const, message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' },
  at,
});

describe('console store notices', () => {
  it('keeps one notice per repeated error, newest first', () => {
    const store = createConsoleStore();
    store.getState().pushNotice(kafkaDown('kafka-observer', 1));
    store.getState().pushNotice(kafkaDown('tail', 2));
    store.getState().pushNotice(kafkaDown('kafka-observer', 3));
    expect(store.getState().notices.map((n) => [n.source, n.at])).toEqual([
      ['kafka-observer', 3],
      ['tail', 2],
    ]);
  });

  it("drops a source's notices when it recovers, and only that source's", () => {
    const store = createConsoleStore();
    store.getState().pushNotice(kafkaDown('kafka-observer', 1));
    store.getState().pushNotice(kafkaDown('tail', 2));
    const before = store.getState().notices;
    store.getState().clearNotices('observe');
    expect(store.getState().notices).toBe(before);
    store.getState().clearNotices('kafka-observer');
    expect(store.getState().notices.map((n) => n.source)).toEqual(['tail']);
  });
});
