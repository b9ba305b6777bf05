// The lag chart's data, shaped for uPlot from a groups:lag-history answer: x in seconds, one series per partition (lag
// in records or in seconds), the rebalances as x positions for the vertical markers.
import type { LagHistoryResponse } from '../../../main/console/contract/console-api';

export type LagUnit = 'records' | 'seconds';

/** The partitions' colours, the same as the partition chips (--p0 … --p5). */
export const PARTITION_COLORS = ['#3157d5', '#c2410c', '#0f766e', '#7c3aed', '#be185d', '#4d7c0f'] as const;

export interface LagChartData {
  /** uPlot's aligned data: [x (s), ...one array per partition] */
  data: [number[], ...(number | null)[][]];
  series: { label: string; color: string }[];
  /** rebalance moments (s), inside the x range */
  markers: { x: number; label: string }[];
  /** the newest value per series (the legend shows it) */
  latest: (number | null)[];
}

export function lagChartData(h: LagHistoryResponse, unit: LagUnit): LagChartData {
  const xs = h.times.map((t) => t / 1000);
  const multiTopic = new Set(h.partitions.map((p) => p.topic)).size > 1;
  const columns = h.partitions.map((p) => (unit === 'records' ? p.lag : p.lagSeconds));
  return {
    data: [xs, ...columns],
    series: h.partitions.map((p) => ({
      label: multiTopic ? `${p.topic} p${p.partition}` : `p${p.partition}`,
      color: PARTITION_COLORS[p.partition % PARTITION_COLORS.length]!,
    })),
    markers: h.rebalances.map((r) => ({
      x: r.at / 1000,
      label: `rebalance${r.generationId !== null ? ` gen ${r.generationId}` : ''}, ${r.moves} moved`,
    })),
    latest: columns.map((c) => {
      for (let i = c.length - 1; i >= 0; i--) if (c[i] !== null) return c[i]!;
      return null;
    }),
  };
}
