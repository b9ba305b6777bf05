import { describe, expect, it } from 'vitest';
import type { LagHistoryResponse } from '../../../main/console/contract/console-api';
import { lagChartData } from './lag-chart-data';

const history: LagHistoryResponse = {
  groupId: 'g',
  windowMs: 1_800_000,
  times: [1000, 2000, 3000],
  partitions: [
    { topic: 't', partition: 0, lag: [5, 6, null], lagSeconds: [1, 1.5, null] },
    { topic: 't', partition: 7, lag: [0, 2, 4], lagSeconds: [0, null, 2] },
  ],
  rebalances: [{ at: 2500, generationId: 4, moves: 2 }],
};

describe('lagChartData', () => {
  it('aligns one series per partition on x in seconds, in records or in seconds', () => {
    const r = lagChartData(history, 'records');
    expect(r.data).toEqual([
      [1, 2, 3],
      [5, 6, null],
      [0, 2, 4],
    ]);
    expect(r.series).toEqual([
      { label: 'p0', color: '#3157d5' },
      { label: 'p7', color: '#c2410c' },
    ]);
    expect(r.latest).toEqual([6, 4]);
    const s = lagChartData(history, 'seconds');
    expect(s.data.slice(1)).toEqual([
      [1, 1.5, null],
      [0, null, 2],
    ]);
    expect(s.latest).toEqual([1.5, 2]);
  });

  it('marks the rebalances and names the topic when the group reads several', () => {
    const r = lagChartData(
      { ...history, partitions: [...history.partitions, { topic: 'u', partition: 0, lag: [1, 1, 1], lagSeconds: [] }] },
      'records',
    );
    expect(r.markers).toEqual([{ x: 2.5, label: 'rebalance gen 4, 2 moved' }]);
    expect(r.series.map((s) => s.label)).toEqual(['t p0', 't p7', 'u p0']);
  });
});
