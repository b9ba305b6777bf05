// The lag history's part of the console contract: lag per group and partition over the last 30 minutes (one sample per
// poll of the group, main/console/observe/lag-history.ts) with the moments of the group's rebalances. Merged into
// console-api.ts. zod only: compiled into the DOM build too.
import { z } from 'zod';
import { Millis, def } from './define.js';

export const LagSeries = z.object({
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  /** lag in records, one per sample time; null: no sample of this partition then */
  lag: z.array(z.number().nonnegative().nullable()),
  /** lag in seconds, one per sample time: the observer's estimate, lag ÷ the partition's recent produce rate */
  lagSeconds: z.array(z.number().nonnegative().nullable()),
});
export type LagSeries = z.infer<typeof LagSeries>;

export const LagHistoryResponse = z.object({
  groupId: z.string(),
  /** how far back the history goes (ms) */
  windowMs: Millis,
  /** sample times, oldest first */
  times: z.array(Millis),
  partitions: z.array(LagSeries),
  /** the group's rebalances in the window, oldest first */
  rebalances: z.array(
    z.object({ at: Millis, generationId: z.number().int().nullable(), moves: z.number().int().nonnegative() }),
  ),
});
export type LagHistoryResponse = z.infer<typeof LagHistoryResponse>;

export const LAG_HISTORY_REQUESTS = {
  /** A group's lag per partition since sinceMs (default: the whole window of 30 minutes) and its rebalances. */
  'groups:lag-history': def(
    z.object({ groupId: z.string().min(1).max(255), sinceMs: Millis.optional() }).strict(),
    LagHistoryResponse,
  ),
} as const;
