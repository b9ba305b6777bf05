// The set of domain stores of one page. The app uses the module-level ones; tests build their own with the factories.
import type { ResponseOf } from '../../main/console/contract/console-api';
import { useChecksStore, type createChecksStore } from '../features/checks/store';
import { useConsoleStore, type createConsoleStore } from '../features/console/store';
import { useGroupsStore, type createGroupsStore } from '../features/groups/store';
import { useLabsStore, type createLabsStore } from '../features/labs/store';
import { useLoadStore, type createLoadStore } from '../features/load/store';
import { useOutboxStore, type createOutboxStore } from '../features/outbox/store';
import { useQueuesStore, type createQueuesStore } from '../features/queues/store';
import { useServicesStore, type createServicesStore } from '../features/service-instances/store';
import { useStackStore, type createStackStore } from '../features/stack/store';
import { useTailStore, type createTailStore } from '../features/topics/tail-store';
import { useTimelineStore, type createTimelineStore } from '../features/timeline/store';
import { useTopicsStore, type createTopicsStore } from '../features/topics/store';

export interface Stores {
  console: ReturnType<typeof createConsoleStore>;
  labs: ReturnType<typeof createLabsStore>;
  stack: ReturnType<typeof createStackStore>;
  services: ReturnType<typeof createServicesStore>;
  load: ReturnType<typeof createLoadStore>;
  topics: ReturnType<typeof createTopicsStore>;
  tail: ReturnType<typeof createTailStore>;
  groups: ReturnType<typeof createGroupsStore>;
  outbox: ReturnType<typeof createOutboxStore>;
  queues: ReturnType<typeof createQueuesStore>;
  timeline: ReturnType<typeof createTimelineStore>;
  checks: ReturnType<typeof createChecksStore>;
}

export const appStores: Stores = {
  console: useConsoleStore,
  labs: useLabsStore,
  stack: useStackStore,
  services: useServicesStore,
  load: useLoadStore,
  topics: useTopicsStore,
  tail: useTailStore,
  groups: useGroupsStore,
  outbox: useOutboxStore,
  queues: useQueuesStore,
  timeline: useTimelineStore,
  checks: useChecksStore,
};

/** console:info (or the labs:select response) goes to the console store and the labs store together. */
export function applyInfo(stores: Pick<Stores, 'console' | 'labs'>, info: ResponseOf<'console:info'>): void {
  stores.console.getState().setInfo(info);
  stores.labs.getState().applyInfo(info);
}

/** Another lab was selected: the stores that hold one lab's data start empty for `lab`. */
export function resetLabScoped(stores: Stores, lab: string | null): void {
  stores.timeline.getState().reset(lab);
  stores.services.getState().reset(lab);
  stores.load.getState().reset(lab);
  stores.checks.getState().reset(lab);
  stores.outbox.getState().reset();
}

/**
 * The first console:info named the lab: the lab-scoped stores take only its data from now on, and keep what they hold
 * (the console pushes only the selected lab's data, so what came before the info is that lab's).
 */
export function adoptLab(stores: Stores, lab: string): void {
  stores.timeline.setState({ lab });
  stores.services.setState({ lab });
  stores.load.setState({ lab });
  stores.checks.setState({ lab });
}
