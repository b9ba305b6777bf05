// When the notifier reconnects: which consumer failures mean "the broker is away" (wait and try again, forever) and which
// are fatal (bad configuration, a bug), and how long to wait between attempts.
//
// kafkajs' own verdict (`restart` in its CRASH event) is not used: it restarts only when the root cause is marked
// retriable, so a broker that is still away when the restarted consumer looks for its group coordinator ends in
// KafkaJSGroupCoordinatorNotFound (non-retriable) and kafkajs gives up for good.

/** kafkajs errors that say a broker could not be reached or did not answer */
const BROKER_AWAY = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSLockTimeout',
  // kafkajs ran out of retries on errors it considers retriable
  'KafkaJSNumberOfRetriesExceeded',
]);

/** group-membership errors (kafkajs marks them non-retriable) that a fresh member simply does not have */
const MEMBERSHIP = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS']);

/** socket errors that are not (yet) wrapped in a kafkajs error */
const SOCKET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);

interface ErrorLike {
  name?: unknown;
  type?: unknown;
  code?: unknown;
  retriable?: unknown;
  cause?: unknown;
}

/** The error and its causes (kafkajs wraps: KafkaJSNonRetriableError → KafkaJSNumberOfRetriesExceeded → KafkaJSConnectionError). */
function chain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let e: unknown = err;
  while (e !== null && typeof e === 'object' && out.length < 10 && !out.includes(e)) {
    out.push(e);
    e = (e as ErrorLike).cause;
  }
  return out;
}

/**
 * True when a consumer failure only means the broker (or the group coordinator) is not reachable right now: the notifier
 * then keeps trying. False for everything else, e.g. a SASL failure, INVALID_SESSION_TIMEOUT, GROUP_AUTHORIZATION_FAILED,
 * "brokers array is empty", or a TypeError: those end the notifier. A broker address that does not resolve counts as
 * away (kafkajs reports it as a connection error, like a DNS outage).
 */
export function isBrokerUnavailable(err: unknown): boolean {
  return chain(err).some(
    (e) =>
      (typeof e.name === 'string' && BROKER_AWAY.has(e.name)) ||
      (typeof e.type === 'string' && MEMBERSHIP.has(e.type)) ||
      (typeof e.code === 'string' && SOCKET.has(e.code)) ||
      // kafkajs' own retriable errors (protocol errors like NOT_COORDINATOR_FOR_GROUP, LEADER_NOT_AVAILABLE, …)
      (e.retriable === true && typeof e.name === 'string' && e.name.startsWith('KafkaJS')),
  );
}

/** The wait before reconnect attempt `attempt` (1, 2, …): initial, doubling, capped at max. */
export function reconnectDelayMs(attempt: number, initialMs: number, maxMs: number): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  return Math.min(initialMs * 2 ** exponent, maxMs);
}

/** The message of an error and its root cause, for a lifecycle line. */
export function describeFailure(err: unknown): string {
  const messageOf = (e: unknown): string => {
    if (e instanceof Error) return e.message;
    const message = (e as { message?: unknown } | null)?.message;
    return typeof message === 'string' ? message : typeof e === 'string' ? e : (JSON.stringify(e) ?? 'unknown error');
  };
  const all = chain(err);
  const top = messageOf(err);
  const root = all.length > 1 ? messageOf(all[all.length - 1]) : top;
  return root === top ? top : `${top} (${root})`;
}
