// Parsing of the LOMS HTTP requests (the course's gateway contract). int64 ids are accepted as decimal strings or as
// JSON integers and are kept as decimal strings; every rejection is an INVALID_INPUT naming the field.
import { z } from 'zod';
import { AppError } from '../../shared/app-error.js';

const INT64_MAX = 9_223_372_036_854_775_807n;
const UINT32_MAX = 4_294_967_295;

/** A positive int64 given as a decimal string or a JSON integer; the result is the canonical decimal string. */
export const Int64Id = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const text = typeof value === 'number' ? (Number.isSafeInteger(value) ? String(value) : '') : value.trim();
  if (!/^\d{1,19}$/.test(text) || BigInt(text) <= 0n || BigInt(text) > INT64_MAX) {
    ctx.addIssue({ code: 'custom', message: 'must be a positive int64 (decimal string)' });
    return z.NEVER;
  }
  return BigInt(text).toString();
});

const Count = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0 || n > UINT32_MAX) {
    ctx.addIssue({ code: 'custom', message: 'must be a positive uint32' });
    return z.NEVER;
  }
  return n;
});

export const CreateOrderRequest = z.object({
  userId: Int64Id,
  items: z
    .array(z.object({ sku: Int64Id, count: Count }), { error: 'must be an array of {sku, count}' })
    .min(1, 'must not be empty'),
});
export type CreateOrderRequest = z.infer<typeof CreateOrderRequest>;

export const OrderIdRequest = z.object({ orderId: Int64Id });
export const SkuQuery = z.object({ sku: Int64Id });

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const part of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? 'body' : out;
}

/** Validates `input` against `schema`; throws INVALID_INPUT naming the first bad field (and listing all of them). */
export function parseRequest<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const field = fieldName(issue.path);
    const missing = valueAt(input, issue.path) === undefined;
    const message = missing ? 'is required' : issue.message.replace(/^Invalid input: /, '');
    return { field, message };
  });
  const first = issues[0] ?? { field: 'body', message: 'is invalid' };
  return failInput(first.field, `${first.field}: ${first.message}`, { issues });
}

export function failInput(field: string, message: string, extra?: Record<string, unknown>): never {
  throw new AppError('INVALID_INPUT', message, { field, ...extra });
}

/** Parses a JSON request body; an empty or non-JSON body is INVALID_INPUT. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') failInput('body', 'body: a JSON object is required');
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      failInput('body', 'body: must be a JSON object');
    return value;
  } catch (err) {
    if (err instanceof AppError) throw err;
    return failInput('body', `body: malformed JSON (${(err as Error).message})`);
  }
}

/** Sums the counts of repeated skus, so that a reservation touches each stock row once. */
export function mergeItems(items: CreateOrderRequest['items']): { sku: string; count: number }[] {
  const bySku = new Map<string, number>();
  for (const { sku, count } of items) bySku.set(sku, (bySku.get(sku) ?? 0) + count);
  return [...bySku].map(([sku, count]) => ({ sku, count }));
}
