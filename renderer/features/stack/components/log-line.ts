// Turns a captured log line into something a student can read: pino JSON becomes "level message key=value", a
// consumer's event line becomes "p0 @12 key 42 → <status>" (a lab may read its own lines first: LabUi.readLine).
import type { ServiceLogLine } from '../../../../main/console/contract/console-api';

export interface ReadableLine {
  level: string;
  text: string;
  tone: 'bad' | 'warn' | 'event' | 'text';
}

const PINO_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const NOISE = new Set(['level', 'time', 'name', 'msg', 'timestamp', 'logger', 'kafka', 'pid', 'hostname', 'v']);

function toneOf(level: string): ReadableLine['tone'] {
  if (level === 'error' || level === 'fatal') return 'bad';
  if (level === 'warn') return 'warn';
  return 'text';
}

function brief(value: unknown): string {
  if (typeof value === 'string') return value.length > 80 ? `${value.slice(0, 80)}…` : value;
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 80)}…` : json;
}

/** A lab's own reading of one of its JSON lines; undefined leaves it to the generic reading. */
export type LineReader = (json: Record<string, unknown>) => ReadableLine | undefined;

export function readableLine(
  text: string,
  meta?: Pick<ServiceLogLine, 'kind' | 'stream' | 'level'>,
  labReader?: LineReader,
): ReadableLine {
  if (text.startsWith('{')) {
    try {
      const j = JSON.parse(text) as Record<string, unknown>;
      const own = labReader?.(j);
      if (own !== undefined) return own;
      if (j.type === 'event' && typeof j.partition === 'number') {
        const latency = typeof j.latency_ms === 'number' ? ` (${j.latency_ms} ms after commit)` : '';
        return {
          level: 'event',
          tone: 'event',
          text: `${String(j.instance)} p${j.partition} @${String(j.offset)} key ${String(j.key)} → ${String(j.status)}${latency}`,
        };
      }
      if (j.type === 'lifecycle') {
        const generation = typeof j.generation_id === 'number' ? ` generation ${j.generation_id}` : '';
        const assignment = j.assignment !== undefined ? ` partitions ${JSON.stringify(j.assignment)}` : '';
        const attempt =
          typeof j.attempt === 'number'
            ? ` #${j.attempt}${typeof j.retry_in_ms === 'number' ? ` in ${j.retry_in_ms} ms` : ''}`
            : '';
        // lost the broker / trying again: a warning; crashed: the consumer is gone
        const tone =
          j.state === 'crashed' ? 'bad' : j.state === 'disconnected' || j.state === 'reconnecting' ? 'warn' : 'event';
        return {
          level: 'group',
          tone,
          text: `${String(j.instance)} ${String(j.state)}${generation}${assignment}${attempt}${j.detail !== undefined ? ` (${brief(j.detail)})` : ''}`,
        };
      }
      if (j.type === 'error') {
        return {
          level: 'error',
          tone: 'bad',
          text: `${String(j.instance)} p${String(j.partition)} @${String(j.offset)} ${String(j.code)}: ${String(j.message)}`,
        };
      }
      if (typeof j.msg === 'string') {
        const level = typeof j.level === 'number' ? (PINO_LEVELS[j.level] ?? String(j.level)) : (meta?.level ?? 'info');
        const extra = Object.entries(j)
          .filter(([k]) => !NOISE.has(k))
          .map(([k, v]) => `${k}=${brief(v)}`)
          .join(' ');
        return { level, tone: toneOf(level), text: extra === '' ? j.msg : `${j.msg}  ${extra}` };
      }
    } catch {
      // not JSON after all
    }
  }
  const level = meta?.level ?? (meta?.stream === 'stderr' ? 'stderr' : '');
  return { level, tone: meta?.stream === 'stderr' && meta.kind === 'text' ? 'bad' : toneOf(level), text };
}
