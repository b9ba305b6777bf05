// The link registry: every embedded instance reaches each broker and database it uses through console-owned TCP proxies
// (link-proxy.ts), one link per (instance, component), so that one link of one instance (loms → Postgres, notifier-2 →
// Kafka) can be cut, delayed (fixed + jitter) or throttled and restored without stopping a shared server.
//
// Generic: it reads the env a lab's module gives an instance and recognises what the values name, by themselves:
// - a URL of a server component (postgres://, amqp://, redis://, mongodb:// with one host) is rewritten to its proxy;
// - a comma-separated list of the stack's Kafka brokers is left as it is, and `KAFKA_LINKS` (services/shared/
//   kafka-links.ts) maps each broker of the cluster onto a proxy of its own: a Kafka client learns the brokers'
//   addresses from metadata and then connects to them directly, so the client's socket factory does the mapping.
// A link's faults outlive the instance's runs (a cut link stays cut when the instance restarts) until restored.
import type { ComponentName } from '../contract/manifest.js';
import type { LinkView } from '../contract/links.js';
import { AppError } from '../../../services/shared/app-error.js';
import type { StackEndpoints } from '../stack/types.js';
import { LinkProxy, targetOf, type LinkTarget } from './link-proxy.js';

const URL_COMPONENTS: Readonly<Record<string, ComponentName>> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'amqp:': 'rabbitmq',
  'amqps:': 'rabbitmq',
  'redis:': 'redis',
  'rediss:': 'redis',
  'mongodb:': 'mongodb',
};

/** The env variable through which a kafkajs client of our services maps broker addresses onto proxies. */
export const KAFKA_LINKS_ENV = 'KAFKA_LINKS';

export interface LinkRegistryDeps {
  /** a link was made, faulted or restored */
  onChange?: (link: LinkView) => void;
  now?: () => number;
  /** where proxies fail to listen (logged by the caller) */
  onError?: (message: string) => void;
}

/** What lab modules and checks get of the registry (LabContext.links). */
export interface LinkAccess {
  /** the proxies the instance's current run goes through for this component (undefined: it runs without them) */
  proxies(instance: string, component: ComponentName): LinkProxy[] | undefined;
}

export interface LinkRegistry extends LinkAccess {
  /** The env of one start of `instance`, with each server it names routed through the instance's links. */
  route(instance: string, env: Record<string, string>, endpoints: StackEndpoints): Promise<Record<string, string>>;
  /** the instance's run ended: its links stay (with their faults) but are no longer in use */
  release(instance: string): void;
  list(instance?: string): LinkView[];
  view(id: string): LinkView;
  cut(id: string): LinkView;
  delay(id: string, delayMs: number, jitterMs?: number): LinkView;
  throttle(id: string, bytesPerSec: number | null): LinkView;
  restore(id: string): LinkView;
  /** stops every proxy and forgets every link (the lab changed) */
  clear(): Promise<void>;
  stop(): Promise<void>;
}

interface Link {
  id: string;
  instance: string;
  component: ComponentName;
  /** target host:port → its proxy */
  hops: Map<string, LinkProxy>;
  cut: boolean;
  delayMs: number;
  jitterMs: number;
  throttle: number | null;
  inUse: boolean;
  changedAt: number;
}

const key = (t: LinkTarget) => `${t.host}:${t.port}`;
const brokerTarget = (b: string): LinkTarget => {
  const i = b.lastIndexOf(':');
  return { host: b.slice(0, i), port: Number(b.slice(i + 1)) };
};

/** The component a URL names, with its one host (undefined: not a server URL this knows, or several hosts). */
function urlComponent(value: string): ComponentName | undefined {
  if (!/^[a-z]+:\/\//.test(value)) return undefined;
  try {
    const u = new URL(value);
    const c = URL_COMPONENTS[u.protocol];
    return c !== undefined && u.hostname !== '' ? c : undefined;
  } catch {
    return undefined;
  }
}

export function createLinkRegistry(deps: LinkRegistryDeps = {}): LinkRegistry {
  const now = deps.now ?? Date.now;
  const links = new Map<string, Link>();

  const apply = (l: Link, p: LinkProxy) => {
    if (l.cut) p.cut();
    else p.restore();
    p.delayMs = l.delayMs;
    p.jitterMs = l.jitterMs;
    p.throttle(l.throttle);
  };

  const viewOf = (l: Link): LinkView => {
    const v: LinkView = {
      id: l.id,
      instance: l.instance,
      component: l.component,
      target: [...l.hops.keys()].join(','),
      hops: [...l.hops].map(([target, p]) => ({ listen: `127.0.0.1:${p.port}`, target })),
      state: l.cut ? 'cut' : 'up',
      delayMs: l.delayMs,
      jitterMs: l.jitterMs,
      throttleBytesPerSec: l.throttle,
      open: 0,
      accepted: 0,
      refused: 0,
      bytesUp: 0,
      bytesDown: 0,
      cuts: 0,
      inUse: l.inUse,
      changedAt: l.changedAt,
    };
    for (const p of l.hops.values()) {
      const s = p.stats();
      v.open += s.open;
      v.accepted += s.accepted;
      v.refused += s.refused;
      v.bytesUp += s.bytesUp;
      v.bytesDown += s.bytesDown;
      v.cuts = Math.max(v.cuts, s.cuts);
      // a check may cut one proxy of the link directly (cutOnMatch): the link shows it
      if (s.state === 'cut') v.state = 'cut';
    }
    return v;
  };

  const linkOf = (instance: string, component: ComponentName): Link => {
    const id = `${instance}/${component}`;
    let l = links.get(id);
    if (l === undefined) {
      l = {
        id,
        instance,
        component,
        hops: new Map(),
        cut: false,
        delayMs: 0,
        jitterMs: 0,
        throttle: null,
        inUse: false,
        changedAt: now(),
      };
      links.set(id, l);
    }
    return l;
  };

  /** The link's proxy to `target`, listening (undefined: it could not listen). */
  const hop = async (l: Link, target: LinkTarget): Promise<LinkProxy | undefined> => {
    const k = key(target);
    let p = l.hops.get(k);
    if (p === undefined) {
      p = new LinkProxy({ target });
      apply(l, p);
      l.hops.set(k, p);
    }
    try {
      await p.start();
      p.unref();
      return p;
    } catch (err) {
      l.hops.delete(k);
      deps.onError?.(
        `link ${l.id} → ${k}: the proxy does not listen (${(err as Error).message}); it connects directly`,
      );
      return undefined;
    }
  };

  const find = (id: string): Link => {
    const l = links.get(id);
    if (l === undefined)
      throw new AppError('NOT_FOUND', `no link ${id} (start the instance from the console first)`, {
        field: 'link',
        known: [...links.keys()],
      });
    return l;
  };

  const change = (l: Link, patch: Partial<Pick<Link, 'cut' | 'delayMs' | 'jitterMs' | 'throttle'>>): LinkView => {
    Object.assign(l, patch);
    l.changedAt = now();
    for (const p of l.hops.values()) apply(l, p);
    const v = viewOf(l);
    deps.onChange?.(v);
    return v;
  };

  return {
    async route(instance, env, endpoints) {
      const out = { ...env };
      const touched = new Set<Link>();
      const brokers = new Set(endpoints.kafka.brokers);
      for (const [name, value] of Object.entries(env)) {
        if (name === KAFKA_LINKS_ENV) continue;
        const component = urlComponent(value);
        if (component !== undefined) {
          const l = linkOf(instance, component);
          const p = await hop(l, targetOf(value));
          if (p === undefined) continue;
          out[name] = p.via(value);
          touched.add(l);
          continue;
        }
        const listed = value.split(',').map((b) => b.trim());
        if (
          env[KAFKA_LINKS_ENV] === undefined &&
          brokers.size > 0 &&
          listed.length > 0 &&
          listed.every((b) => brokers.has(b))
        ) {
          const l = linkOf(instance, 'kafka');
          const pairs: string[] = [];
          for (const b of endpoints.kafka.brokers) {
            const p = await hop(l, brokerTarget(b));
            if (p !== undefined) pairs.push(`${b}=127.0.0.1:${p.port}`);
          }
          if (pairs.length === endpoints.kafka.brokers.length) {
            out[KAFKA_LINKS_ENV] = pairs.join(',');
            touched.add(l);
          }
        }
      }
      for (const l of links.values()) {
        if (l.instance !== instance) continue;
        const was = l.inUse;
        l.inUse = touched.has(l);
        if (was !== l.inUse) {
          l.changedAt = now();
          deps.onChange?.(viewOf(l));
        }
      }
      return out;
    },
    release(instance) {
      for (const l of links.values())
        if (l.instance === instance && l.inUse) {
          l.inUse = false;
          l.changedAt = now();
          deps.onChange?.(viewOf(l));
        }
    },
    proxies(instance, component) {
      const l = links.get(`${instance}/${component}`);
      return l?.inUse === true && l.hops.size > 0 ? [...l.hops.values()] : undefined;
    },
    list: (instance) =>
      [...links.values()].filter((l) => instance === undefined || l.instance === instance).map(viewOf),
    view: (id) => viewOf(find(id)),
    cut: (id) => change(find(id), { cut: true }),
    delay: (id, delayMs, jitterMs = 0) => change(find(id), { delayMs, jitterMs }),
    throttle: (id, bytesPerSec) => change(find(id), { throttle: bytesPerSec }),
    restore: (id) => change(find(id), { cut: false, delayMs: 0, jitterMs: 0, throttle: null }),
    async clear() {
      const all = [...links.values()];
      links.clear();
      await Promise.allSettled(all.flatMap((l) => [...l.hops.values()].map((p) => p.stop())));
    },
    async stop() {
      await this.clear();
    },
  };
}
