// What Lab E's checks share: reading the lab's topics from the beginning (or from given offsets) with a consumer of the
// check's own, putting records of their own on a topic (marked with the fault header), waiting until a consumer group
// committed past what is on its topics (broker-side: the group's committed offsets against the log-end offsets), the
// gateway's HTTP API, the check's crew (worker, manager, admin, accountant: signed up once per console), and outcomes.
import { randomUUID } from 'node:crypto';
import { Partitioners, type Admin, type IHeaders, type Kafka } from 'kafkajs';
import { schemaRegistry, type ValidationError } from '../../../../../services/lab-e/registry.js';
import type { Role, TopicKey } from '../../../../../services/lab-e/schema.js';
import type { Evidence } from '../../../contract/console-api.js';
import type { CheckContext, LabContext } from '../../types.js';
import { outcome, plural, query, until } from '../../../checks/kit.js';

export { outcome, plural, query, until };

/** The header the checks and the lab's faults put on the records they inject; the checks count those apart. */
export const INJECTED_HEADER = 'eventscope-fault';

/** What the checks need of the module besides the context. */
export interface LabECheckDeps {
  topics: Readonly<Record<TopicKey, string>>;
  groups: { tasks: string; accounting: string; analytics: string };
  gatewayUrl(): string;
  /** accounting's own database (rows as extra evidence; a student's accounting may have none we can read) */
  accountingDatabaseUrl(ctx: LabContext): string;
  crew: CrewCache;
}

// --- records --------------------------------------------------------------------------------------------------

export interface LabERecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  /** Kafka's timestamp (ms) */
  timestamp: number;
  /** the fault header's value when a check or a fault put it there */
  injected: string | null;
  headers: Record<string, string>;
  raw: string;
  /** the value as JSON, when it is a JSON object */
  json: Record<string, unknown> | null;
}

/** The envelope's parts when the record has them (not validated). */
export function eventOf(r: LabERecord): {
  id: string | null;
  name: string | null;
  version: number | null;
  data: Record<string, unknown>;
} {
  const j = r.json ?? {};
  const d = j.data;
  return {
    id: typeof j.event_id === 'string' ? j.event_id : null,
    name: typeof j.event_name === 'string' ? j.event_name : null,
    version: typeof j.event_version === 'number' ? j.event_version : null,
    data: d !== null && typeof d === 'object' && !Array.isArray(d) ? (d as Record<string, unknown>) : {},
  };
}

/** The registry's errors for a record ([] when it is a valid event of its name and version). */
export function schemaErrors(r: LabERecord): ValidationError[] {
  if (r.json === null) return [{ field: '(event)', message: 'not a JSON object', keyword: 'json' }];
  return schemaRegistry().check(r.json).errors;
}

export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
export const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);

export const recordRef = (r: { topic: string; partition: number; offset: number }) =>
  `${r.topic} p${r.partition}@${r.offset}`;

export function recordEvidence(r: LabERecord, detail: string, entity?: string | null): Evidence {
  const e = entity ?? r.key;
  return {
    source: 'record',
    ref: recordRef(r),
    detail,
    ...(e === null || e === undefined ? {} : { entity: e }),
    record: { topic: r.topic, partition: r.partition, offset: String(r.offset) },
  };
}

export async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export type Offsets = Map<string, Map<number, number>>;

/** Log-end offset per partition of each topic (a topic that does not exist is left out). */
export async function endOffsets(kafka: Kafka, topics: readonly string[]): Promise<Offsets> {
  return withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const out: Offsets = new Map();
    for (const t of topics) {
      if (!existing.has(t)) continue;
      const offsets = await admin.fetchTopicOffsets(t);
      out.set(t, new Map(offsets.map((o) => [o.partition, Number(o.high)])));
    }
    return out;
  });
}

/**
 * Every record of the topics up to their log-end offsets at the start (from `from` on, per topic and partition, when
 * given), read with a consumer of the check's own (a throwaway group, deleted afterwards). Sorted by topic, partition,
 * offset.
 */
export async function readTopics(
  ctx: Pick<CheckContext, 'kafka' | 'signal' | 'deadline'>,
  topics: readonly string[],
  opts: { from?: Offsets; timeoutMs?: number } = {},
): Promise<LabERecord[]> {
  const kafka = ctx.kafka();
  const ends = await endOffsets(kafka, topics);
  const startOf = (t: string, p: number) => opts.from?.get(t)?.get(p) ?? 0;
  const wanted = [...ends].flatMap(([t, ps]) =>
    [...ps].filter(([p, end]) => end > startOf(t, p)).map(([p, end]) => ({ t, p, end })),
  );
  const records: LabERecord[] = [];
  if (wanted.length === 0) return records;
  const groupId = `eventscope-check-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, sessionTimeout: 10_000 });
  const seen = new Map<string, number>();
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...new Set(wanted.map((w) => w.t))], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: ({ batch }) => {
        const end = ends.get(batch.topic)?.get(batch.partition) ?? 0;
        const start = startOf(batch.topic, batch.partition);
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          seen.set(`${batch.topic}:${batch.partition}`, offset);
          if (offset < start || offset >= end) continue;
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers ?? {}))
            if (v !== undefined) headers[k] = Array.isArray(v) ? String(v[0]) : String(v);
          const raw = m.value?.toString('utf8') ?? '';
          let json: Record<string, unknown> | null = null;
          try {
            const parsed: unknown = JSON.parse(raw);
            if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
              json = parsed as Record<string, unknown>;
          } catch {
            json = null;
          }
          records.push({
            topic: batch.topic,
            partition: batch.partition,
            offset,
            key: m.key?.toString('utf8') ?? null,
            timestamp: Number(m.timestamp),
            injected: headers[INJECTED_HEADER] ?? null,
            headers,
            raw: raw.slice(0, 2000),
            json,
          });
        }
        return Promise.resolve();
      },
    });
    const done = await until(
      ctx,
      () => wanted.every((w) => (seen.get(`${w.t}:${w.p}`) ?? -1) >= w.end - 1) || undefined,
      opts.timeoutMs ?? 30_000,
      50,
    );
    if (done === undefined)
      throw new Error(`could not read ${wanted.map((w) => `${w.t} p${w.p} up to ${w.end}`).join(', ')} in time`);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await withAdmin(kafka, (a) => a.deleteGroups([groupId])).catch(() => undefined);
  }
  records.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition || a.offset - b.offset);
  return records;
}

export interface Injected {
  topic: string;
  partition: number;
  offset: number;
  key: string;
}

/** Sends records marked with the fault header `reason` (acks all); where each landed. */
export async function inject(
  kafka: Kafka,
  topic: string,
  reason: string,
  messages: { key: string; value: string; headers?: IHeaders }[],
): Promise<Injected[]> {
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    const out: Injected[] = [];
    // one at a time: the order of the records is the point of some of them
    for (const m of messages) {
      const [meta] = await producer.send({
        topic,
        acks: -1,
        messages: [{ key: m.key, value: m.value, headers: { ...m.headers, [INJECTED_HEADER]: reason } }],
      });
      out.push({ topic, partition: meta?.partition ?? 0, offset: Number(meta?.baseOffset ?? -1), key: m.key });
    }
    return out;
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/** A valid envelope (the registry's shape) from the console. */
export function consoleEvent(name: string, version: number, data: Record<string, unknown>) {
  return {
    event_id: randomUUID(),
    event_version: version,
    event_name: name,
    event_time: new Date().toISOString(),
    producer: 'eventscope-console',
    data,
  };
}

// --- waiting --------------------------------------------------------------------------------------------------

/**
 * Waits until `group` committed up to the log-end offsets of its topics. With `quietMs` 0 those are the ends when this
 * was called; with more, the ends are read again each round and must have stood still for `quietMs` with the group at
 * them (a service's outbox relay publishes a moment after its HTTP answer: what it sends then is waited for too).
 * What it still lags by when the time is up, else undefined.
 */
export async function waitConsumed(
  ctx: Pick<CheckContext, 'kafka' | 'signal' | 'deadline'>,
  group: string,
  topics: readonly string[],
  timeoutMs = 20_000,
  quietMs = 0,
): Promise<string | undefined> {
  const kafka = ctx.kafka();
  let ends = await endOffsets(kafka, topics);
  let seen = JSON.stringify([...ends].map(([t, p]) => [t, [...p]]));
  let stableSince = Date.now();
  let behind = '';
  const ok = await until(
    ctx,
    () =>
      withAdmin(kafka, async (admin) => {
        if (quietMs > 0) {
          ends = await endOffsets(kafka, topics);
          const now = JSON.stringify([...ends].map(([t, p]) => [t, [...p]]));
          if (now !== seen) {
            seen = now;
            stableSince = Date.now();
          }
        }
        const committed = await admin.fetchOffsets({ groupId: group, topics: [...ends.keys()] });
        const lagging: string[] = [];
        for (const t of committed)
          for (const p of t.partitions) {
            const end = ends.get(t.topic)?.get(p.partition) ?? 0;
            const at = Math.max(0, Number(p.offset));
            if (at < end) lagging.push(`${t.topic} p${p.partition} at ${at} of ${end}`);
          }
        behind = lagging.join(', ');
        return lagging.length === 0 && Date.now() - stableSince >= quietMs ? true : undefined;
      }),
    timeoutMs,
    100,
  );
  return ok === true
    ? undefined
    : `group ${group} did not commit past ${behind || 'the ends of its topics, which kept growing'} within ${timeoutMs / 1000} s`;
}

/**
 * Accounting has handled everything on its topics and published what that produced: its group committed past the task
 * and account topics, and its outbox has no pending row (when its database cannot be read: the transactions topic
 * stopped growing for a second). A sentence saying what is still pending, else undefined.
 */
export async function accountingSettled(
  ctx: CheckContext,
  deps: LabECheckDeps,
  timeoutMs = 20_000,
): Promise<string | undefined> {
  const { topics } = deps;
  const lag = await waitConsumed(
    ctx,
    deps.groups.accounting,
    [topics.accountsStream, topics.accounts, topics.tasksStream, topics.tasksLifecycle],
    timeoutMs,
    // the tasks and auth services' relays publish a moment after their HTTP answers: their last events are waited for
    1000,
  );
  if (lag !== undefined) return lag;
  const url = deps.accountingDatabaseUrl(ctx);
  let readable = true;
  let last = '';
  let stableSince = Date.now();
  const drained = await until(
    ctx,
    async () => {
      if (readable) {
        try {
          const [r] = await query<{ n: string }>(url, 'SELECT count(*)::text AS n FROM outbox WHERE sent_at IS NULL');
          return Number(r?.n ?? 0) === 0 ? true : undefined;
        } catch {
          readable = false;
        }
      }
      const ends = await endOffsets(ctx.kafka(), [topics.transactions]);
      const now = JSON.stringify([...(ends.get(topics.transactions) ?? new Map<number, number>())]);
      if (now !== last) {
        last = now;
        stableSince = Date.now();
        return undefined;
      }
      return Date.now() - stableSince >= 1000 ? true : undefined;
    },
    timeoutMs,
    100,
  );
  return drained === true ? undefined : `accounting's outbox still had pending rows after ${timeoutMs / 1000} s`;
}

// --- the gateway ----------------------------------------------------------------------------------------------

export interface HttpAnswer {
  status: number;
  body: unknown;
  /** connection refused, reset, timed out */
  error?: string;
}

export async function gatewayCall(
  deps: Pick<LabECheckDeps, 'gatewayUrl'>,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; rawBody?: string } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = {};
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    const res = await fetch(`${deps.gatewayUrl()}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let json: unknown = text;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, body: json };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { status: 0, body: {}, error: cause ?? (err as Error).message };
  }
}

export const httpEvidence = (ref: string, detail: string, entity?: string): Evidence => ({
  source: 'http',
  ref,
  detail,
  ...(entity === undefined ? {} : { entity }),
});

export interface Account {
  publicId: string;
  role: Role;
  token: string;
}
export interface Crew {
  workers: [Account, Account];
  manager: Account;
  admin: Account;
  accountant: Account;
  all: Account[];
}
export interface Task {
  public_id: string;
  assignee_public_id: string;
}

const PASSWORD = 'eventscope-check-password';

/** The checks' crew, signed up once per console (a second console signs up its own; tokens last 12 h). */
export class CrewCache {
  private crew: Promise<Crew> | undefined;
  private readonly id = randomUUID().slice(0, 8);

  get(ctx: CheckContext, deps: LabECheckDeps): Promise<Crew> {
    this.crew ??= this.make(ctx, deps);
    this.crew.catch(() => (this.crew = undefined));
    return this.crew;
  }

  /** one more account of the crew's console, signed up and logged in (tasks knows it once this resolves) */
  async extra(ctx: CheckContext, deps: LabECheckDeps, role: Role): Promise<Account> {
    const before = await endOffsets(ctx.kafka(), [deps.topics.accountsStream]);
    const a = await signup(deps, `eventscope-check-${this.id}-${role}-${randomUUID().slice(0, 8)}@popug.check`, role);
    await tasksKnowAccounts(ctx, deps, before, a.created ? 1 : 0);
    return a;
  }

  private async make(ctx: CheckContext, deps: LabECheckDeps): Promise<Crew> {
    ctx.progress('signing up the check crew (2 workers, a manager, an admin, an accountant)');
    const one = (role: Role, n = '') => signup(deps, `eventscope-check-${this.id}-${role}${n}@popug.check`, role);
    const before = await endOffsets(ctx.kafka(), [deps.topics.accountsStream]);
    const [w1, w2, manager, admin, accountant] = await Promise.all([
      one('worker', '-1'),
      one('worker', '-2'),
      one('manager'),
      one('admin'),
      one('accountant'),
    ]);
    // tasks learns the workers from auth's events: wait until its group handled them (a 409 is retried anyway)
    const created = [w1, w2, manager, admin, accountant].filter((a) => a.created).length;
    await tasksKnowAccounts(ctx, deps, before, created);
    return {
      workers: [w1, w2],
      manager: manager,
      admin: admin,
      accountant: accountant,
      all: [w1, w2, manager, admin, accountant],
    };
  }
}

/**
 * Waits until the tasks service's group has handled `created` new accounts: first until auth's outbox relay has put
 * that many more records on the accounts stream than `before` (it publishes a moment after the signup's 201: waiting
 * for the group to reach the ends read right after the 201 could end before the events were there, and tasks then
 * assigned the new worker nothing), then until the group has committed past the ends.
 */
async function tasksKnowAccounts(ctx: CheckContext, deps: LabECheckDeps, before: Offsets, created: number) {
  const topic = deps.topics.accountsStream;
  const total = (o: Offsets) => [...(o.get(topic)?.values() ?? [])].reduce((a, b) => a + b, 0);
  if (created > 0)
    await until(
      ctx,
      async () => (total(await endOffsets(ctx.kafka(), [topic])) - total(before) >= created ? true : undefined),
      15_000,
      100,
    );
  await waitConsumed(ctx, deps.groups.tasks, [deps.topics.accountsStream, deps.topics.accounts], 15_000);
}

/** Signs an account up (or finds it signed up: `created` false) and logs it in. */
export async function signup(
  deps: Pick<LabECheckDeps, 'gatewayUrl'>,
  email: string,
  role: Role,
): Promise<Account & { created: boolean }> {
  const s = await gatewayCall(deps, 'POST', '/auth/signup', {
    body: { email, password: PASSWORD, full_name: `Check ${role}`, role },
  });
  if (s.status !== 201 && s.status !== 409) throw failed(`POST /auth/signup (${role})`, s);
  const l = await gatewayCall(deps, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
  const b = l.body as { token?: unknown; public_id?: unknown };
  if (l.status !== 200 || typeof b.token !== 'string' || typeof b.public_id !== 'string')
    throw failed(`POST /auth/login (${role})`, l);
  return { publicId: b.public_id, role, token: b.token, created: s.status === 201 };
}

export const failed = (what: string, r: HttpAnswer) =>
  new Error(`${what} answered ${r.error ?? r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);

/** A task created by the crew's manager (a 409 while tasks knows no worker yet is retried for 15 s). */
export async function createTask(ctx: CheckContext, deps: LabECheckDeps, crew: Crew, title: string): Promise<Task> {
  let last: HttpAnswer | undefined;
  const task = await until(
    ctx,
    async () => {
      const r = await gatewayCall(deps, 'POST', '/tasks', {
        token: crew.manager.token,
        body: { title, description: 'made by an Eventscope check' },
      });
      last = r;
      const t = r.body as Partial<Task>;
      if (r.status === 201 && typeof t.public_id === 'string' && typeof t.assignee_public_id === 'string')
        return t as Task;
      if (r.status !== 409) throw failed('POST /tasks', r);
      return undefined;
    },
    15_000,
    200,
  );
  if (task === undefined) throw failed('POST /tasks', last ?? { status: 0, body: {} });
  return task;
}

export async function reshuffle(deps: LabECheckDeps, crew: Crew): Promise<Task[]> {
  const r = await gatewayCall(deps, 'POST', '/tasks/reshuffle', { token: crew.manager.token });
  const moved = (r.body as { tasks?: unknown }).tasks;
  if (r.status !== 200 || !Array.isArray(moved)) throw failed('POST /tasks/reshuffle', r);
  return moved as Task[];
}

/** Completes a task when its assignee is one of the crew; false when it is someone else's (or no longer open). */
export async function complete(deps: LabECheckDeps, crew: Crew, task: Task): Promise<boolean> {
  const who = crew.all.find((a) => a.publicId === task.assignee_public_id);
  if (who === undefined) return false;
  const r = await gatewayCall(deps, 'POST', `/tasks/${task.public_id}/complete`, { token: who.token });
  // 403/409: a reshuffle (the load's, a student's) moved it or someone completed it in between
  if (r.status === 403 || r.status === 409) return false;
  if (r.status !== 200) throw failed(`POST /tasks/${task.public_id}/complete`, r);
  return true;
}

/**
 * Drives the tracker: `tasks` tasks created, `reshuffles` reshuffles, then the ones assigned to the crew completed when
 * `complete`. The tasks as they are assigned last.
 */
export async function exercise(
  ctx: CheckContext,
  deps: LabECheckDeps,
  opts: { tasks: number; reshuffles: number; complete: boolean; title: string },
): Promise<{ crew: Crew; tasks: Map<string, Task>; completed: Set<string> }> {
  const crew = await deps.crew.get(ctx, deps);
  ctx.progress(`creating ${plural(opts.tasks, 'task')} through the gateway`);
  const tasks = new Map<string, Task>();
  for (let i = 0; i < opts.tasks; i++) {
    const t = await createTask(ctx, deps, crew, `${opts.title} ${i + 1}`);
    tasks.set(t.public_id, t);
  }
  for (let i = 0; i < opts.reshuffles; i++) {
    ctx.progress(`reshuffle ${i + 1} of ${opts.reshuffles}`);
    for (const t of await reshuffle(deps, crew)) if (tasks.has(t.public_id)) tasks.set(t.public_id, t);
  }
  const completed = new Set<string>();
  if (opts.complete) for (const t of tasks.values()) if (await complete(deps, crew, t)) completed.add(t.public_id);
  return { crew, tasks, completed };
}

// --- outcomes -------------------------------------------------------------------------------------------------

/** an id as evidence shows it: whole (UUIDv7s made in the same millisecond share their first characters) */
export const short = (id: string | null | undefined) => (id === null || id === undefined ? '(none)' : id);

/** `a worker`, `an admin` */
export const aRole = (role: string) => `${/^[aeiou]/i.test(role) ? 'an' : 'a'} ${role}`;

/** Accounting's TransactionApplied events among `records`, with their record. */
export function transactionsOf(records: readonly LabERecord[]) {
  return records.flatMap((r) => {
    const e = eventOf(r);
    if (e.name !== 'TransactionApplied') return [];
    const d = e.data;
    return [
      {
        record: r,
        account: str(d.account_public_id),
        task: str(d.task_public_id),
        kind: str(d.kind),
        debit: int(d.debit) ?? 0,
        credit: int(d.credit) ?? 0,
        eventId: e.id,
      },
    ];
  });
}
