// Wires one ConsoleClient to the stores: every pushed event goes to its store's action (one setState per batch, never
// per Kafka record); snapshots are fetched at start, after a reconnect, and when a store saw a seq gap. When the
// selected lab changes (labs:select from this window, or labs:selected from the console), the lab-scoped stores start
// empty, everything is fetched again, and the lab's own wiring (renderer/labs/registry.ts) is swapped.
import type {
  ConsoleClient,
  RequestName,
  ResponseOf,
  RequestOf,
  Unsubscribe,
} from '../../main/console/contract/console-api';
import { LAB_UI, labUi } from '../labs/registry';
import type { LabUiRegistry } from '../labs/lab-ui';
import { adoptLab, applyInfo, resetLabScoped, type Stores } from './stores';

export interface BindOptions {
  now?: () => number;
  /** the labs' own UI (tests pass their own) */
  labs?: LabUiRegistry;
}

export interface Binding {
  /** re-fetches every snapshot (after a reconnect) */
  resync(): Promise<void>;
  stop(): void;
}

export function bindConsole(client: ConsoleClient, stores: Stores, options: BindOptions = {}): Binding {
  const { now = Date.now, labs = LAB_UI } = options;
  const unsubs: Unsubscribe[] = [];
  let stopped = false;

  const call = async <C extends RequestName>(name: C, req: RequestOf<C>): Promise<ResponseOf<C> | undefined> => {
    try {
      const fn = client.request[name] as (r: RequestOf<C>) => Promise<ResponseOf<C>>;
      return await fn(req);
    } catch {
      // a snapshot the console cannot give yet (no stack): the pushes fill the store later
      return undefined;
    }
  };

  // one re-fetch in flight per snapshot kind
  const inFlight = new Set<string>();
  const once = (key: string, run: () => Promise<void>) => {
    if (inFlight.has(key) || stopped) return;
    inFlight.add(key);
    void run().finally(() => inFlight.delete(key));
  };

  const resyncTopics = () =>
    once('topics', async () => {
      const snap = await call('kafka:snapshot', {});
      if (snap) stores.topics.getState().applySnapshot(snap);
    });
  const resyncGroups = () =>
    once('groups', async () => {
      const snap = await call('groups:snapshot', {});
      if (snap) stores.groups.getState().applySnapshot(snap);
      const history = await call('groups:rebalances', { limit: 200 });
      if (history) stores.groups.getState().applyRebalanceHistory(history.rebalances);
    });
  /**
   * The outboxes now; `history`: with the samples of every one but the first (whose come with the start-up resync), a
   * fetch of its own that a gap's re-fetch in flight does not hold back.
   */
  const resyncOutbox = (history = false) =>
    once(history ? 'outbox+history' : 'outbox', async () => {
      const snap = await call('outbox:snapshot', {});
      if (!snap) return;
      stores.outbox.getState().applySnapshot(snap);
      if (!history) return;
      await Promise.all(
        (snap.outboxes ?? []).slice(1).map(async ({ name }) => {
          const h = await call('outbox:history', { name });
          if (h) stores.outbox.getState().applyHistory(h.samples, name);
        }),
      );
    });
  const resyncQueues = () =>
    once('queues', async () => {
      const snap = await call('rabbitmq:snapshot', {});
      if (snap) stores.queues.getState().applySnapshot(snap, now());
    });
  const resyncTimeline = () =>
    // per lab: a fetch for the lab selected before must not hold back the one for the new lab
    once(`timeline:${stores.labs.getState().lab}`, async () => {
      const recent = await call('timeline:recent', { limit: 1000 });
      if (recent) stores.timeline.getState().applySummaries(recent.items.slice().reverse());
      const flagged = await call('timeline:flagged', { limit: 1000 });
      if (flagged) stores.timeline.getState().applySummaries(flagged.items.slice().reverse());
    });

  const resyncChecks = () =>
    once(`checks:${stores.labs.getState().lab}`, async () => {
      const lab = stores.labs.getState().lab;
      const list = await call('checks:list', {});
      if (list && stores.labs.getState().lab === lab) stores.checks.getState().applyList(list.checks);
    });

  // the selected lab: its own wiring runs while it is selected; a change empties the lab-scoped stores
  let stopLab: (() => void) | undefined;
  const startLab = (lab: string | null) => {
    stopLab?.();
    stopLab = labUi(lab, labs).bind?.(client, stores);
  };
  unsubs.push(
    stores.labs.subscribe((s, prev) => {
      if (s.lab === prev.lab || stopped) return;
      startLab(s.lab);
      if (prev.lab === null && s.lab !== null) {
        // the first console:info only names the lab: the start-up resync is already fetching the rest
        adoptLab(stores, s.lab);
        return;
      }
      resetLabScoped(stores, s.lab);
      void resync();
    }),
  );

  unsubs.push(
    client.subscribe('stack:health', ({ health }) => stores.stack.getState().applyHealth(health, now())),
    client.subscribe('services:state', ({ instance }) => stores.services.getState().applyState(instance)),
    client.subscribe('services:log', (batch) => stores.services.getState().applyLogBatch(batch)),
    client.subscribe('kafka:snapshot-diff', (diff) => {
      stores.topics.getState().applyDiff(diff);
      if (stores.topics.getState().needsResync) resyncTopics();
    }),
    client.subscribe('groups:diff', (diff) => {
      stores.groups.getState().applyDiff(diff);
      if (stores.groups.getState().needsResync) resyncGroups();
    }),
    client.subscribe('outbox:diff', (diff) => {
      stores.outbox.getState().applyDiff(diff);
      if (stores.outbox.getState().needsResync) resyncOutbox();
    }),
    client.subscribe('rabbitmq:diff', (diff) => {
      stores.queues.getState().applyDiff(diff);
      if (stores.queues.getState().needsResync) resyncQueues();
    }),
    client.subscribe('timeline:batch', (batch) => {
      stores.timeline.getState().applyBatch(batch);
      if (stores.timeline.getState().needsResync) resyncTimeline();
    }),
    client.subscribe('tail:batch', (batch) => stores.tail.getState().applyBatch(batch)),
    client.subscribe('load:progress', ({ progress }) => stores.load.getState().applyProgress(progress)),
    client.subscribe('console:error', (e) => stores.console.getState().pushNotice(e)),
    client.subscribe('console:recovered', (e) => stores.console.getState().clearNotices(e.source)),
    client.subscribe('checks:progress', (p) => stores.checks.getState().applyProgress(p)),
    client.subscribe('checks:done', ({ result }) => {
      stores.checks.getState().applyDone(result);
      // a run another window started: only the list says when it is over
      if (stores.checks.getState().run?.checks === null) resyncChecks();
    }),
    client.subscribe('labs:selected', ({ lab }) => stores.labs.getState().applySelected(lab)),
  );

  const resync = async () => {
    const ticket = stores.stack.getState().askStatus();
    // the labs as soon as they are known: the other answers can take seconds (stack:status probes every server)
    const [, status, services, load, history] = await Promise.all([
      call('console:info', {}).then((info) => info && applyInfo(stores, info)),
      call('stack:status', {}),
      call('services:list', {}),
      call('load:status', {}),
      call('outbox:history', {}),
    ]);
    if (status) stores.stack.getState().applyStatus(status, ticket);
    if (services) stores.services.getState().applyList(services.instances);
    if (load) stores.load.getState().applyProgress(load.progress);
    if (history) stores.outbox.getState().applyHistory(history.samples);
    resyncTopics();
    resyncGroups();
    resyncOutbox(true);
    resyncQueues();
    resyncTimeline();
    resyncChecks();
  };

  void resync();

  return {
    resync,
    stop() {
      stopped = true;
      stopLab?.();
      for (const u of unsubs) u();
    },
  };
}
