// What Lab D's checks share: reading the order topic from the beginning with the check's own consumer, reading an event
// through the lab settings (field names, status spellings), the group's members and committed offsets, what each
// consumer instance logged as processed, loms' HTTP API, and waiting on a condition within the check's deadline.
import { randomUUID } from 'node:crypto';
import { AssignerProtocol, type Admin } from 'kafkajs';
import { parseNotifierLine } from '../../../../../services/lab-d/schema.js';
import type { Evidence } from '../../../contract/console-api.js';
import type { LinkProxy } from '../../../faults/link-proxy.js';
import type { CheckContext } from '../../types.js';
import { canonicalStatus, type LabDSettings } from '../settings.js';
import { outcome, plural, query, until } from '../../../checks/kit.js';

export { outcome, plural, query, until };

/** The header the checks (and their faults) put on records they inject; the record checks leave those out. */
export const INJECTED_HEADER = 'eventscope-fault';

/** What the checks need of the module besides the context. */
export interface LabDCheckDeps {
  settings: LabDSettings;
  /** loms' database (direct, not through the link proxy) */
  databaseUrl(ctx: CheckContext): string;
  /** loms' link to its database when the console started loms through its link proxy (faults/link-registry.ts) */
  lomsDbLink(ctx: CheckContext): LinkProxy | undefined;
}

export interface OrderRecord {
  partition: number;
  offset: number;
  key: string | null;
  /** Kafka's timestamp (ms) */
  timestamp: number;
  /** event: an order event; unreadable: not JSON or without the order fields; injected: a check's or a fault's */
  kind: 'event' | 'unreadable' | 'injected';
  orderId: string | null;
  /** the lab's status (after the spellings map); null when unknown */
  status: string | null;
  /** the status as written */
  rawStatus: string | null;
  raw: string;
}

export const recordRef = (topic: string, r: { partition: number; offset: number }) =>
  `${topic} p${r.partition}@${r.offset}`;

export function recordEvidence(topic: string, r: OrderRecord, detail: string): Evidence {
  return {
    source: 'record',
    ref: recordRef(topic, r),
    detail,
    ...(r.orderId === null ? {} : { entity: r.orderId }),
    record: { topic, partition: r.partition, offset: String(r.offset) },
  };
}

/** Reads one record value through the settings. */
export function readOrderValue(
  settings: LabDSettings,
  value: string,
): Pick<OrderRecord, 'kind' | 'orderId' | 'status' | 'rawStatus'> & { keyValue: string | null } {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { kind: 'unreadable', orderId: null, status: null, rawStatus: null, keyValue: null };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    return { kind: 'unreadable', orderId: null, status: null, rawStatus: null, keyValue: null };
  const o = json as Record<string, unknown>;
  const idOf = (v: unknown): string | null =>
    (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^\d+$/.test(v)) ? String(v) : null;
  const orderId = idOf(o[settings.fields.order_id]);
  const rawStatus = typeof o[settings.fields.status] === 'string' ? (o[settings.fields.status] as string) : null;
  if (orderId === null || rawStatus === null)
    return { kind: 'unreadable', orderId, status: null, rawStatus, keyValue: null };
  const keyRaw = o[settings.keyField];
  const keyValue = typeof keyRaw === 'string' || typeof keyRaw === 'number' ? String(keyRaw) : null;
  return { kind: 'event', orderId, status: canonicalStatus(settings, rawStatus) ?? null, rawStatus, keyValue };
}

export interface TopicRead {
  records: OrderRecord[];
  /** log-end offset per partition when the read started */
  ends: Map<number, number>;
  partitions: number;
}

export async function withAdmin<T>(ctx: CheckContext, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = ctx.kafka().admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function endOffsets(ctx: CheckContext, topic: string): Promise<Map<number, number>> {
  return withAdmin(ctx, async (admin) => {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  });
}

export const sumOf = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/**
 * Every record of the topic up to its log-end offsets at the start (those from `from` per partition when given), read
 * from the beginning with a consumer of the check's own (a throwaway group, deleted afterwards).
 */
export async function readTopic(
  ctx: CheckContext,
  settings: LabDSettings,
  opts: { from?: Map<number, number>; timeoutMs?: number } = {},
): Promise<TopicRead> {
  const topic = settings.topic;
  const { ends, starts } = await withAdmin(ctx, async (admin) => {
    const offsets = await admin.fetchTopicOffsets(topic);
    return {
      ends: new Map(offsets.map((o) => [o.partition, Number(o.high)])),
      starts: new Map(offsets.map((o) => [o.partition, Math.max(Number(o.low), opts.from?.get(o.partition) ?? 0)])),
    };
  });
  const records: OrderRecord[] = [];
  const wanted = [...ends].filter(([p, end]) => end > (starts.get(p) ?? 0));
  if (wanted.length > 0) {
    const groupId = `eventscope-check-${randomUUID()}`;
    const consumer = ctx.kafka().consumer({ groupId, maxWaitTimeInMs: 200, sessionTimeout: 10_000 });
    const seen = new Map<number, number>();
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: ({ batch }) => {
          for (const m of batch.messages) {
            const offset = Number(m.offset);
            seen.set(batch.partition, offset);
            if (offset < (starts.get(batch.partition) ?? 0) || offset >= (ends.get(batch.partition) ?? 0)) continue;
            const raw = m.value?.toString('utf8') ?? '';
            const injected = m.headers?.[INJECTED_HEADER] !== undefined;
            const v = readOrderValue(settings, raw);
            records.push({
              partition: batch.partition,
              offset,
              key: m.key?.toString('utf8') ?? null,
              timestamp: Number(m.timestamp),
              kind: injected ? 'injected' : v.kind,
              orderId: v.orderId,
              status: v.status,
              rawStatus: v.rawStatus,
              raw: raw.slice(0, 300),
            });
          }
          return Promise.resolve();
        },
      });
      const done = await until(
        ctx,
        () => wanted.every(([p, end]) => (seen.get(p) ?? -1) >= end - 1) || undefined,
        opts.timeoutMs ?? 30_000,
      );
      if (done === undefined)
        throw new Error(
          `could not read ${topic} up to its end offsets (${[...ends].map(([p, e]) => `p${p}:${e}`).join(' ')})`,
        );
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await withAdmin(ctx, (a) => a.deleteGroups([groupId])).catch(() => undefined);
    }
  }
  records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  return { records, ends, partitions: ends.size };
}

// --- the group -------------------------------------------------------------------------------------------------

export interface Member {
  memberId: string;
  clientId: string;
  host: string;
  partitions: number[];
}

export async function describeGroup(
  ctx: CheckContext,
  settings: LabDSettings,
): Promise<{ state: string; members: Member[] }> {
  return withAdmin(ctx, async (admin) => {
    const { groups } = await admin.describeGroups([settings.group]);
    const g = groups[0];
    if (!g) return { state: 'Dead', members: [] };
    return {
      state: g.state,
      members: g.members.map((m) => {
        const a = m.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
        return {
          memberId: m.memberId,
          clientId: m.clientId,
          host: m.clientHost,
          partitions: [...(a?.assignment[settings.topic] ?? [])].sort(),
        };
      }),
    };
  });
}

/** The group's committed offset per partition (-1: none). */
export async function committedOffsets(ctx: CheckContext, settings: LabDSettings): Promise<Map<number, number>> {
  return withAdmin(ctx, async (admin) => {
    const [t] = await admin.fetchOffsets({ groupId: settings.group, topics: [settings.topic] });
    return new Map((t?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  });
}

/** Log end − committed, summed over partitions (a partition without a commit counts from 0). */
export function lagOf(ends: Map<number, number>, committed: Map<number, number>): number {
  let lag = 0;
  for (const [p, end] of ends) lag += end - Math.max(0, committed.get(p) ?? 0);
  return lag;
}

export const describeMember = (m: Member) => `${m.clientId} (${m.memberId.slice(-8)})`;

// --- what the consumers processed ----------------------------------------------------------------------------

export interface Processed {
  instance: string;
  orderId: string;
  status: string;
  /** when the console read the line */
  at: number;
  partition: number | null;
  offset: number | null;
  line: number;
}

/** The consumer instances the console runs (the notifiers). */
export function consumerInstances(ctx: CheckContext): string[] {
  return ctx.services
    .list()
    .filter((i) => i.kind === 'notifier')
    .map((i) => i.instance);
}

/**
 * What `instance` logged as processed: our notifiers' JSON event lines, or lines the settings' pattern matches.
 * `null`: this instance's processing cannot be seen (no JSON event line and no pattern).
 */
export function processedBy(ctx: CheckContext, settings: LabDSettings, instance: string, since = 0): Processed[] {
  const out: Processed[] = [];
  const lines = ctx.services.logs(instance);
  lines.forEach((l, i) => {
    if (l.at < since || l.stream !== 'stdout') return;
    const json = parseNotifierLine(l.text);
    if (json?.type === 'event') {
      out.push({
        instance,
        orderId: String(json.order_id),
        status: json.status,
        at: l.at,
        partition: json.partition,
        offset: Number(json.offset),
        line: i + 1,
      });
      return;
    }
    const pattern = settings.consumerLogPattern;
    if (pattern === undefined || json !== undefined) return;
    const m = pattern.exec(l.text);
    if (!m) return;
    const order = m.groups?.order ?? m[1];
    const raw = m.groups?.status ?? m[2];
    const status = raw === undefined ? undefined : canonicalStatus(settings, raw);
    if (order === undefined || status === undefined) return;
    out.push({ instance, orderId: order, status, at: l.at, partition: null, offset: null, line: i + 1 });
  });
  return out;
}

/** Whether processing is visible: our JSON lines were seen, or a pattern is set. */
export function canSeeProcessing(ctx: CheckContext, settings: LabDSettings): boolean {
  if (settings.consumerLogPattern !== undefined) return true;
  return consumerInstances(ctx).some((i) => ctx.services.logs(i).some((l) => parseNotifierLine(l.text) !== undefined));
}

export const NO_PROCESSING_NOTE =
  'the consumers’ processing could not be seen (no JSON event lines and no EVENTSCOPE_CONSUMER_LOG_PATTERN): judged committed offsets and the group assignment only';

// --- loms' HTTP API ------------------------------------------------------------------------------------------

export interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
  /** connection refused, reset, timed out */
  error?: string;
}

export async function lomsCall(
  settings: LabDSettings,
  method: 'GET' | 'POST',
  pathAndQuery: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<HttpAnswer> {
  try {
    const res = await fetch(`${settings.lomsUrl}${pathAndQuery}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const json: unknown = await res.json().catch(() => ({}));
    return {
      status: res.status,
      body: json !== null && typeof json === 'object' ? (json as Record<string, unknown>) : {},
    };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { status: 0, body: {}, error: cause ?? (err as Error).message };
  }
}

/** A sku with plenty of stock (the course seed) and one whose stock is fully reserved. */
export const STOCKED_SKU = '139275865';
export const NO_STOCK_SKU = '139819069';

export async function createOrder(settings: LabDSettings, failed = false): Promise<HttpAnswer & { orderId?: string }> {
  const r = await lomsCall(settings, 'POST', '/order/create', {
    userId: '1000',
    items: [{ sku: failed ? NO_STOCK_SKU : STOCKED_SKU, count: 1 }],
  });
  const id = r.body.orderId;
  return typeof id === 'string' ? { ...r, orderId: id } : r;
}

export const httpEvidence = (ref: string, r: HttpAnswer, detail: string, entity?: string): Evidence => ({
  source: 'http',
  ref,
  detail: `${detail} (${r.error ?? r.status})`,
  ...(entity === undefined ? {} : { entity }),
});

/** loms answers (any HTTP answer) within `timeoutMs`. */
export async function lomsAnswers(ctx: CheckContext, settings: LabDSettings, timeoutMs: number): Promise<boolean> {
  const ok = await until(
    ctx,
    async () =>
      (await lomsCall(settings, 'GET', '/order/info?orderId=1', undefined, 2000)).status > 0 ? true : undefined,
    timeoutMs,
    250,
  );
  return ok === true;
}

// --- rows ---------------------------------------------------------------------------------------------------

/** Pending outbox rows, or undefined when the table cannot be read (a student's service, the database away). */
export async function outboxPending(url: string): Promise<number | undefined> {
  try {
    const [r] = await query<{ n: string }>(url, 'SELECT count(*)::text AS n FROM outbox WHERE sent_at IS NULL');
    return r === undefined ? undefined : Number(r.n);
  } catch {
    return undefined;
  }
}

// --- outcomes -----------------------------------------------------------------------------------------------

/** The items by a key, each group in the items' order (one pass, no copies). */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = out.get(k);
    if (group === undefined) out.set(k, [item]);
    else group.push(item);
  }
  return out;
}
