// Lab D's hot path: reads order_id and status straight from an order event's JSON bytes (no JSON.parse, no garbage
// beyond the id string), for the console's topic tail → entity store.
import { ORDER_STATUSES } from '../../../../services/lab-d/schema.js';
import type { RecordScanner } from '../types.js';

/** status indexes by the first byte of their name (one each today: the five names start with different letters) */
const STATUSES_BY_FIRST_BYTE: (number[] | undefined)[] = [];
ORDER_STATUSES.forEach((name, i) => (STATUSES_BY_FIRST_BYTE[name.charCodeAt(0)] ??= []).push(i));
const STATUS_BYTES = ORDER_STATUSES.map((name) => Buffer.from(name));

/** The status whose name is the string value starting at `from` (after its opening quote), or −1. */
function statusAt(buf: Buffer, from: number, last: number): number {
  const candidates = STATUSES_BY_FIRST_BYTE[buf[from]!];
  if (candidates === undefined) return -1;
  for (const st of candidates) {
    const name = STATUS_BYTES[st]!;
    const end = from + name.length;
    // exactly the name: its bytes, then the closing quote (or the object's end, as the quote search used to allow)
    if (end <= last && (end === last || buf[end] === 0x22) && bytesAt(buf, from, name)) return st;
  }
  return -1;
}
/** `order_id"` at `i` (the bytes after a key's opening quote), compared byte by byte with constants */
const isOrderIdKey = (b: Buffer, i: number) =>
  b[i] === 0x6f &&
  b[i + 1] === 0x72 &&
  b[i + 2] === 0x64 &&
  b[i + 3] === 0x65 &&
  b[i + 4] === 0x72 &&
  b[i + 5] === 0x5f &&
  b[i + 6] === 0x69 &&
  b[i + 7] === 0x64 &&
  b[i + 8] === 0x22;
const ORDER_ID_KEY_LENGTH = 9;
/** `status"` at `i` */
const isStatusKey = (b: Buffer, i: number) =>
  b[i] === 0x73 &&
  b[i + 1] === 0x74 &&
  b[i + 2] === 0x61 &&
  b[i + 3] === 0x74 &&
  b[i + 4] === 0x75 &&
  b[i + 5] === 0x73 &&
  b[i + 6] === 0x22;
const STATUS_KEY_LENGTH = 7;
const scanned = { orderId: 0, status: 0 };

const isSpace = (c: number | undefined) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

function bytesAt(buf: Buffer, at: number, bytes: Buffer): boolean {
  if (at + bytes.length > buf.length) return false;
  for (let k = 0; k < bytes.length; k++) if (buf[at + k] !== bytes[k]) return false;
  return true;
}

/** Index after the colon (and spaces) that follows a key ending at `i`, or −1. */
function afterColon(buf: Buffer, i: number): number {
  while (isSpace(buf[i])) i++;
  if (buf[i] !== 0x3a) return -1;
  i++;
  while (isSpace(buf[i])) i++;
  return i;
}

/**
 * Reads `order_id` (a number) and `status` (one of the five) from a Lab D event's JSON bytes in one pass over the top
 * level's tokens, without building strings (several times cheaper than JSON.parse). String values are skipped whole,
 * so a key name inside a value never matches. A value that is not a JSON object (does not start with `{` and end with
 * `}`) is refused, as is one whose fields do not have those shapes: poison records stay out of the timeline. The scan
 * stops as soon as both fields are read (only the first of each counts, so the rest can not change the answer). The
 * returned object is reused.
 */
export function scanOrderEvent(buf: Buffer): { orderId: number; status: number } | undefined {
  return scanLeading(buf) ?? scanTokens(buf);
}

/**
 * The common shape in one go: `{"order_id":<id>,"status":"<name>"` at the very start (how loms' events and most
 * producers' begin), ending in `}`. Anything else (spaces, another key first, an id that is not a plain number):
 * undefined, and the token scan decides. Where this answers, the token scan gives the same answer.
 */
function scanLeading(buf: Buffer): { orderId: number; status: number } | undefined {
  const n = buf.length;
  if (n < 24 || buf[0] !== 0x7b || buf[1] !== 0x22 || !isOrderIdKey(buf, 2) || buf[11] !== 0x3a) return undefined;
  let j = 12;
  let d = buf[j]!;
  if (d <= 0x30 || d > 0x39) return undefined; // a leading zero, a sign, a space: the token scan
  let v = 0;
  for (; d >= 0x30 && d <= 0x39; d = buf[++j]!) v = v * 10 + (d - 0x30);
  if (j - 12 > 15 || d !== 0x2c || buf[j + 1] !== 0x22 || !isStatusKey(buf, j + 2)) return undefined;
  j += 2 + STATUS_KEY_LENGTH;
  if (buf[j] !== 0x3a || buf[j + 1] !== 0x22) return undefined;
  let last = n - 1;
  while (last > j && isSpace(buf[last])) last--;
  if (buf[last] !== 0x7d) return undefined;
  const st = statusAt(buf, j + 2, last);
  if (st < 0) return undefined;
  scanned.orderId = v;
  scanned.status = st;
  return scanned;
}

function scanTokens(buf: Buffer): { orderId: number; status: number } | undefined {
  const n = buf.length;
  let first = 0;
  while (first < n && isSpace(buf[first])) first++;
  let last = n - 1;
  while (last > first && isSpace(buf[last])) last--;
  if (buf[first] !== 0x7b || buf[last] !== 0x7d) return undefined;
  let orderId = -1;
  let status = -1;
  let depth = 0;
  for (let i = first; i < last; i++) {
    const c = buf[i]!;
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
    if (c !== 0x22) continue;
    if (depth === 1 && orderId < 0 && isOrderIdKey(buf, i + 1)) {
      let j = afterColon(buf, i + 1 + ORDER_ID_KEY_LENGTH);
      if (j < 0 || buf[j] === 0x30) return undefined;
      let v = 0;
      const from = j;
      for (let d = buf[j]!; d >= 0x30 && d <= 0x39; d = buf[++j]!) v = v * 10 + (d - 0x30);
      if (j === from || j - from > 15) return undefined;
      orderId = v;
      if (status >= 0) break; // both read: nothing later can change the answer
      i = j - 1;
      continue;
    }
    if (depth === 1 && status < 0 && isStatusKey(buf, i + 1)) {
      const j = afterColon(buf, i + 1 + STATUS_KEY_LENGTH);
      if (j < 0 || buf[j] !== 0x22) return undefined;
      const st = statusAt(buf, j + 1, last);
      if (st < 0) return undefined;
      status = st;
      if (orderId >= 0) break;
      i = j + 1 + STATUS_BYTES[st]!.length;
      continue;
    }
    // any other string (a key or a value): skip it whole, escapes included
    let k = i + 1;
    while (k < last && buf[k] !== 0x22) k += buf[k] === 0x5c ? 2 : 1;
    i = k;
  }
  if (orderId <= 0 || status < 0) return undefined;
  scanned.orderId = orderId;
  scanned.status = status;
  return scanned;
}

/** The entity store's scanner of `loms.order-events`: the order id as a number (its decimal string is the id), the status index. */
export const scanOrderRecord: RecordScanner = (value, out) => {
  const fact = scanOrderEvent(value);
  if (fact === undefined) return false;
  out.num = fact.orderId;
  out.status = fact.status;
  return true;
};
