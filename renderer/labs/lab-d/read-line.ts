// Lab D's notifier event line (services/lab-d/schema: type event, order_id, status, latency_ms) read as
// "notifier-2 p1 @12 order 42 → paid (31 ms after commit)".
import type { LineReader } from '../../features/stack/components/log-line';

export const readLabDLine: LineReader = (j) => {
  const order = j.order_id;
  if (j.type !== 'event' || typeof j.partition !== 'number') return undefined;
  if (typeof order !== 'number' && typeof order !== 'string') return undefined;
  return {
    level: 'event',
    tone: 'event',
    text: `${String(j.instance)} p${j.partition} @${String(j.offset)} order ${order} → ${String(j.status)} (${String(j.latency_ms)} ms after commit)`,
  };
};
