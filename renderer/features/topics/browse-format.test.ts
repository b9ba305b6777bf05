import { describe, expect, it } from 'vitest';
import type { BrowsedRecord } from '../../../main/console/contract/browse';
import { hexDump, parseHeaders, showValue, toCsv, toJsonLines } from './browse-format';

const rec = (value: string | Uint8Array | null, extra: Partial<BrowsedRecord> = {}): BrowsedRecord => {
  const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
  return {
    topic: 't',
    partition: 1,
    offset: '7',
    timestamp: Date.UTC(2026, 11, 1, 12, 0, 0),
    key: 'k',
    value:
      bytes === null ? null : { base64: btoa(String.fromCharCode(...bytes)), size: bytes.length, truncated: false },
    headers: {},
    ...extra,
  };
};

describe('browse format', () => {
  it('shows a value as pretty JSON, as text when it is not JSON, and as a hex dump', () => {
    expect(showValue(rec('{"a":1}'), 'json')).toBe('{\n  "a": 1\n}');
    expect(showValue(rec('plain'), 'json')).toBe('plain');
    expect(showValue(rec(new Uint8Array([0, 65, 255])), 'hex')).toBe(`00000000  00 41 ff${' '.repeat(39)}  .A.`);
    expect(showValue(rec(null), 'text')).toMatch(/null value/);
    expect(hexDump(new Uint8Array(40), 32).split('\n')).toHaveLength(3);
  });

  it('exports JSON Lines and RFC 4180 CSV (quotes, commas and newlines escaped)', () => {
    const r = rec('say "hi",\nbye', { headers: { h: 'v' } });
    expect(JSON.parse(toJsonLines([r]).trim())).toEqual({
      topic: 't',
      partition: 1,
      offset: '7',
      timestamp: '2026-12-01T12:00:00.000Z',
      key: 'k',
      value: 'say "hi",\nbye',
      headers: { h: 'v' },
    });
    expect(toCsv([r])).toBe(
      'topic,partition,offset,timestamp,key,value,headers\r\nt,1,7,2026-12-01T12:00:00.000Z,k,"say ""hi"",\nbye","{""h"":""v""}"\r\n',
    );
  });

  it('reads name=value header lines and names the bad line', () => {
    expect(parseHeaders('a=1\n\n b = two=2 ')).toEqual({ headers: { a: '1', b: 'two=2' } });
    expect(parseHeaders('a=1\nnovalue')).toEqual({ error: 'headers: line 2 is not name=value' });
  });
});
