// The ids of Lab A's checks of invariants 1, 3, 4 and 5, apart from the checks themselves (which import the manifest's
// service kinds), so that the manifest can name them without an import cycle.
export const WINDOW_CHECK_ID = 'consistency-window';
export const REPLAY_CHECK_ID = 'replay-same-state';
export const REDIS_CHECK_ID = 'redis-equals-mongodb';
export const CLUSTER_CHECK_ID = 'kafka-node-down';
