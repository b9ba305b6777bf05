// Lab A's invariant 4 (LABS.md): with write-through on, Redis equals MongoDB for every presentation once the system is
// quiet, including after a stretch in which the API's link to Kafka was cut: a command answered 503 must not be in
// Redis. Active: the check creates and updates presentations (202), cuts the API's Kafka links (the module's proxies,
// links.ts), sends updates and creates that must be refused, restores the links, changes other presentations until
// they are accepted again, waits until the projector has committed up to the topic's end, and compares every
// presentation in either store: the newest MongoDB document against the Redis copy.
import type { Evidence } from '../../../contract/console-api.js';
import type { LinkProxy } from '../../../faults/link-proxy.js';
import type { Check, CheckOutcome } from '../../types.js';
import { API_KIND, PROJECTOR_KIND } from '../manifest.js';
import { compareStores, type ReadModelRow } from '../read-model.js';
import type { LabASettings } from '../settings.js';
import {
  behind,
  command,
  endOffsets,
  newPresentation,
  plural,
  readMongo,
  readRedis,
  until,
  withStores,
  type ApiAnswer,
} from './support.js';
import { redisKeys } from '../../../../../services/lab-a/schema.js';

import { REDIS_CHECK_ID } from './ids.js';

export { REDIS_CHECK_ID };

/** The verdict on the compared stores, with the commands the API refused while its link was cut. */
export function judgeRedis(
  redisPrefix: string,
  rows: readonly ReadModelRow[],
  refused: readonly ApiAnswer[],
): CheckOutcome {
  const diffs = rows.filter((r) => !r.same);
  const refusedOf = new Map(refused.filter((r) => r.id !== null).map((r) => [r.id!, r]));
  const kinds = (k: ReadModelRow['kind']) => diffs.filter((d) => d.kind === k).length;
  const counts = {
    presentations: rows.length,
    differ: diffs.length,
    'only in redis': kinds('only-redis'),
    'redis newer': kinds('redis-newer'),
    'mongodb newer': kinds('mongo-newer'),
    'only in mongodb': kinds('only-mongo'),
    'fields differ': kinds('fields') + kinds('unreadable'),
    'refused (503)': refused.length,
  };
  const evidence: Evidence[] = diffs.slice(0, 40).map((d) => {
    const r = refusedOf.get(d.id);
    const why =
      r !== undefined && typeof d.redis === 'object' && d.redis !== null && d.redis.version === r.version
        ? `; that version was answered ${r.status} to ${r.method} ${r.path} while the link to Kafka was cut`
        : '';
    return {
      source: 'row',
      ref: `redis ${redisKeys(redisPrefix).doc(d.id)}`,
      detail: `${d.detail}${why}`,
      entity: d.id,
    };
  });
  const cut = `after ${plural(refused.length, 'command')} answered 503 while the API's link to Kafka was cut`;
  if (diffs.length === 0)
    return {
      status: 'PASS',
      summary: `${plural(rows.length, 'presentation')} equal in Redis and MongoDB once quiet, ${cut} (none of them in Redis)`,
      counts,
      evidence: [],
    };
  return {
    status: 'FAIL',
    summary: `${diffs.length} of ${plural(rows.length, 'presentation')} differ between Redis and MongoDB once quiet, ${cut}: ${counts['only in redis']} only in Redis, ${counts['redis newer']} newer in Redis, ${counts['mongodb newer']} stale in Redis, ${counts['only in mongodb']} missing from Redis, ${counts['fields differ']} with other fields`,
    counts,
    evidence,
  };
}

export interface RedisCheckDeps {
  settings: LabASettings;
  topic: string;
  group: string;
  /** the proxies the API was started through (undefined: it connects to Kafka directly) */
  apiLinks(): LinkProxy[] | undefined;
}

export function redisCheck(deps: RedisCheckDeps): Check {
  const { settings, topic, group } = deps;
  const api = settings.apiUrl;
  return {
    id: REDIS_CHECK_ID,
    timeoutMs: 90_000,
    async run(ctx) {
      if (!settings.writeThrough)
        return {
          status: 'SKIP',
          summary: 'write-through is off (EVENTSCOPE_LAB_A_WRITE_THROUGH=0): Redis holds no copy',
        };
      const instances = ctx.services.list();
      const runs = (kind: string) => instances.some((i) => i.kind === kind && i.state === 'running');
      if (!runs(API_KIND) || !runs(PROJECTOR_KIND))
        return { status: 'SKIP', summary: `start ${API_KIND} and a ${PROJECTOR_KIND} first` };
      // the console's link registry's proxies of the API's Kafka link, else those given to the module (tests)
      const links = ctx.links?.proxies(API_KIND, 'kafka') ?? deps.apiLinks();
      if (links === undefined)
        return {
          status: 'SKIP',
          summary: `${API_KIND} does not reach Kafka through the console's link proxies: start it from the console`,
        };
      const ok = (a: ApiAnswer) => a.status === 202 && a.id !== null;
      const changes: ApiAnswer[] = [];
      ctx.progress('creating and updating presentations with the link up');
      const created = await Promise.all(
        [0, 1, 2, 3].map((n) => command(api, 'POST', '/presentations', newPresentation(n))),
      );
      const bad = created.find((a) => !ok(a));
      if (bad !== undefined)
        throw new Error(`the API refused a create with its link up: ${bad.status} ${bad.error ?? ''}`);
      const ids = created.map((a) => a.id!);
      changes.push(
        ...created,
        ...(await Promise.all(ids.map((id) => command(api, 'PUT', `/presentations/${id}`, { duration_min: 41 })))),
      );

      ctx.progress("cutting the API's link to Kafka");
      for (const l of links) l.cut();
      let during: ApiAnswer[];
      try {
        during = await Promise.all([
          command(api, 'PUT', `/presentations/${ids[0]}`, { title: 'changed while Kafka was away' }),
          command(api, 'PUT', `/presentations/${ids[1]}`, { duration_min: 99 }),
          command(api, 'POST', '/presentations', newPresentation(10)),
          command(api, 'POST', '/presentations', newPresentation(11)),
        ]);
      } finally {
        for (const l of links) l.restore();
      }
      const through = during.filter((a) => a.status === 202);
      if (through.length > 0)
        throw new Error(
          `the API answered 202 to ${plural(through.length, 'command')} while its Kafka links were cut: its traffic does not go through them`,
        );
      const refused = during;

      ctx.progress('link restored: changing other presentations until they are accepted again');
      for (const id of ids.slice(2)) {
        const a = await until(
          ctx,
          async () => {
            const x = await command(api, 'PUT', `/presentations/${id}`, { duration_min: 42 });
            return ok(x) ? x : undefined;
          },
          20_000,
          250,
        );
        if (a === undefined) throw new Error(`the API did not accept commands again within 20 s of the link's restore`);
        changes.push(a);
      }

      return withStores(ctx, async ({ mongo, redis }) => {
        ctx.progress('waiting until the projector has committed up to the end of the topic');
        const ends = await endOffsets(ctx.kafka(), topic);
        const newest = new Map<string, number>();
        for (const a of changes) newest.set(a.id!, Math.max(newest.get(a.id!) ?? 0, a.version ?? 0));
        const col = mongo.db(settings.mongoDb).collection<{ id: string; version: number }>('presentations');
        const quiet = await until(
          ctx,
          async () => {
            if ((await behind(ctx.kafka(), group, topic, ends)).length > 0) return undefined;
            const docs = await col
              .find({ id: { $in: [...newest.keys()] } }, { projection: { _id: 0, id: 1, version: 1 } })
              .toArray();
            const has = new Map<string, number>();
            for (const d of docs) has.set(d.id, Math.max(has.get(d.id) ?? 0, d.version));
            return [...newest].every(([id, v]) => (has.get(id) ?? 0) >= v) ? true : undefined;
          },
          30_000,
          200,
        );
        if (quiet !== true)
          throw new Error('the projector did not catch up within 30 s: not quiet, nothing to compare');
        const rows = compareStores(
          await readMongo(mongo, settings.mongoDb),
          await readRedis(redis, settings.redisPrefix),
        );
        return judgeRedis(settings.redisPrefix, rows, refused);
      });
    },
  };
}
