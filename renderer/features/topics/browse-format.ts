// How the message browser shows a record's value (text, JSON, hex) and exports a result (JSON Lines, CSV).
import type { BrowsedRecord } from '../../../main/console/contract/browse';

export type ValueView = 'json' | 'text' | 'hex';

export function valueBytes(r: Pick<BrowsedRecord, 'value'>): Uint8Array | null {
  if (r.value === null) return null;
  const raw = atob(r.value.base64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export function valueText(r: Pick<BrowsedRecord, 'value'>): string | null {
  const bytes = valueBytes(r);
  return bytes === null ? null : utf8.decode(bytes);
}

/** The value parsed as JSON, or undefined when it is not JSON (or was cut). */
export function valueJson(r: Pick<BrowsedRecord, 'value'>): unknown {
  const text = valueText(r);
  if (text === null || r.value?.truncated) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Offset, 16 bytes in hex, the printable ASCII beside them: one line per 16 bytes. */
export function hexDump(bytes: Uint8Array, max = 4096): string {
  const lines: string[] = [];
  for (let at = 0; at < Math.min(bytes.length, max); at += 16) {
    const row = bytes.subarray(at, Math.min(at + 16, bytes.length));
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${at.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (bytes.length > max) lines.push(`… ${bytes.length - max} more bytes`);
  return lines.join('\n');
}

/** The value as the chosen view shows it; JSON falls back to text when the value is not JSON. */
export function showValue(r: Pick<BrowsedRecord, 'value'>, view: ValueView): string {
  const bytes = valueBytes(r);
  if (bytes === null) return '∅ (null value)';
  if (view === 'hex') return hexDump(bytes);
  if (view === 'json') {
    const doc = valueJson(r);
    if (doc !== undefined) return JSON.stringify(doc, null, 2);
  }
  return utf8.decode(bytes);
}

/** One JSON object per line: where the record is, its key, value (as text) and headers. */
export function toJsonLines(records: readonly BrowsedRecord[]): string {
  return records
    .map((r) =>
      JSON.stringify({
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
        timestamp: new Date(r.timestamp).toISOString(),
        key: r.key,
        value: valueText(r),
        headers: r.headers,
      }),
    )
    .join('\n')
    .concat(records.length > 0 ? '\n' : '');
}

const csvCell = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** RFC 4180 CSV with a header row; headers as one JSON cell. */
export function toCsv(records: readonly BrowsedRecord[]): string {
  const head = ['topic', 'partition', 'offset', 'timestamp', 'key', 'value', 'headers'];
  const rows = records.map((r) =>
    [
      r.topic,
      r.partition,
      r.offset,
      new Date(r.timestamp).toISOString(),
      r.key,
      valueText(r),
      JSON.stringify(r.headers),
    ]
      .map(csvCell)
      .join(','),
  );
  return [head.join(','), ...rows].join('\r\n') + '\r\n';
}

/** `k=v` lines (blank lines skipped) into headers; the line of the first bad one named. */
export function parseHeaders(text: string): { headers: Record<string, string> } | { error: string } {
  const headers: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { error: `headers: line ${i + 1} is not name=value` };
    headers[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return { headers };
}
