// The renderer bench page: the real app and stores, fed by a synthetic console. bench/renderer-longtasks.ts loads it
// in Chromium and drives it through `window.__bench`.
import { createRoot } from 'react-dom/client';
import { App } from '../app';
import { bindConsole } from '../lib/bind-console';
import { ClientProvider } from '../lib/client-context';
import { appStores } from '../lib/stores';
import '../styles.css';
import { createSyntheticFeed, summaryOf } from './synthetic-feed';

const params = new URLSearchParams(location.search);
const ENTITIES = Number(params.get('entities') ?? '100000');
/** `?cluster=1000x10x500`: a big cluster around the lab (topics × partitions × groups), for the scale bench */
const CLUSTER = /^(\d+)x(\d+)x(\d+)$/.exec(params.get('cluster') ?? '');

interface BenchRun {
  longTasks: { start: number; duration: number }[];
  delivered: number;
  elapsedMs: number;
  entities: number;
}

declare global {
  interface Window {
    __bench?: {
      ready: Promise<number>;
      start(eventsPerSec: number): void;
      stop(): Omit<BenchRun, 'longTasks'>;
      /** long tasks seen since start() */
      longTasks(): { start: number; duration: number }[];
    };
  }
}

const feed = createSyntheticFeed(
  ENTITIES,
  CLUSTER === null
    ? undefined
    : { topics: Number(CLUSTER[1]), partitions: Number(CLUSTER[2]), groups: Number(CLUSTER[3]) },
  /** `?system=50`: the System view's graph has that many nodes */
  Number(params.get('system') ?? '0'),
);

async function preload(): Promise<number> {
  // the store fills in chunks, as it would from many batches (not measured)
  const at = Date.now() - 60_000;
  for (let from = 1; from <= ENTITIES; from += 5000) {
    const chunk = [];
    for (let id = from; id < Math.min(from + 5000, ENTITIES + 1); id += 1) chunk.push(summaryOf(id, at + id / 10));
    appStores.timeline.getState().applySummaries(chunk);
    await new Promise((r) => setTimeout(r, 0));
  }
  return appStores.timeline.getState().byId.size;
}

bindConsole(feed.client, appStores);
appStores.console.getState().setConnection('open');

const ready = preload().then((size) => {
  const root = document.getElementById('root');
  if (root === null) throw new Error('#root missing');
  createRoot(root).render(
    <ClientProvider client={feed.client}>
      <App />
    </ClientProvider>,
  );
  return size;
});

let tasks: { start: number; duration: number }[] = [];
let startedAt = 0;
let deliveredAtStart = 0;
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    if (startedAt > 0 && e.startTime >= startedAt)
      tasks.push({ start: Math.round(e.startTime - startedAt), duration: Math.round(e.duration) });
});
observer.observe({ type: 'longtask', buffered: false });

window.__bench = {
  ready,
  start(eventsPerSec) {
    tasks = [];
    startedAt = performance.now();
    deliveredAtStart = feed.delivered;
    feed.start(eventsPerSec);
  },
  stop() {
    feed.stop();
    return {
      delivered: feed.delivered - deliveredAtStart,
      elapsedMs: Math.round(performance.now() - startedAt),
      entities: appStores.timeline.getState().byId.size,
    };
  },
  longTasks: () => tasks,
};
