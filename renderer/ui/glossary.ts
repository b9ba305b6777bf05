// One sentence per term, for a student who meets it for the first time.
export const GLOSSARY = {
  topic:
    'A named, append-only log of records on the Kafka cluster, split into partitions; producers write to it, consumer groups read it.',
  partition:
    'A topic is split into partitions. Records with the same key always land on the same partition, so their order is kept; different partitions are read in parallel.',
  offset: 'The position of a record inside its partition: 0, 1, 2 … Consumers remember the next offset they will read.',
  'log-start': 'The oldest offset still stored on the partition (older records were deleted by retention).',
  'log-end': 'The offset the next record written to the partition will get. log-end − log-start = records stored.',
  key: 'The record key (the id of the entity the event is about). Kafka hashes it to pick the partition.',
  'replication factor':
    'How many brokers keep a copy (a replica) of each partition. With 2, one broker may be lost without losing records.',
  leader:
    'The broker that serves a partition: producers write to it, followers copy from it. None: the partition is offline.',
  ISR: 'In-sync replicas: the replicas that have caught up with the leader. Fewer than the replicas: under-replicated (a broker is down or behind).',
  'consumer group':
    'Consumers that share the work of reading a topic. Each partition is owned by exactly one member; a member without a partition stays idle as a spare.',
  member: 'One consumer process in the group (one service instance).',
  idle: 'This member owns no partition: the topic has fewer partitions than the group has members. It takes over when an owner leaves.',
  lag: 'How many records were written to the partition but not yet processed by the group: log-end offset − committed offset.',
  'lag (s)': 'The lag expressed in time: how long the group needs to catch up at the current write rate.',
  committed: 'The offset the group stored after processing: a restarted member continues from here.',
  rebalance:
    'When a member joins or leaves (or dies and misses its heartbeats), the group redistributes the partitions among the members that remain.',
  generation: 'The group counts its rebalances: every new assignment gets the next generation number.',
  outbox:
    'The transactional outbox: the order change and its event are written to Postgres in one transaction; a relay later publishes the pending rows to Kafka. No event is lost while Kafka is down, and none is sent for a change that did not commit.',
  backlog: 'Outbox rows written to the database but not yet published to Kafka (pending).',
  'oldest pending': 'How long the oldest unpublished outbox row has been waiting.',
  relay:
    'The loop inside the service that reads pending outbox rows, publishes them to the broker, and marks them sent.',
  rate: 'Records appended to the partition per second over the last poll.',
  'share of keys': 'How the distinct keys spread over the partitions. With a good key the split is close to even.',
  timeline:
    'Every fact the console saw about one entity: the database commit, the broker record, and the instance that processed it.',
  flag: 'Something looks wrong with this entity: statuses out of order, processed twice, or a step missing.',
  health: 'What the console last saw when it probed the component: starting, healthy, unhealthy or stopped.',
  kill: 'SIGKILL: the process dies at once, without leaving the group. The group notices only after the session timeout.',
  stop: 'SIGTERM: the process finishes its work, leaves the group cleanly and exits; the group rebalances at once.',
  exchange:
    'A RabbitMQ router: a publisher sends a message to an exchange, which copies it to every queue bound with a matching routing key (none bound: the message is dropped, or returned when published as mandatory).',
  'routing key':
    'A word the publisher puts on a message (user.login.failed); a binding names the keys its queue wants (user.login.* or user.# in a topic exchange).',
  ready: 'Messages in the queue waiting for a consumer.',
  unacked:
    'Messages delivered to a consumer and not acknowledged yet. If the consumer dies, the broker delivers them again to another consumer, marked redelivered.',
  redeliver:
    'Messages delivered again (redelivered flag set): a consumer died or its channel closed before it acked them.',
  'dead-letter exchange':
    'Where the broker sends a message a consumer rejected without requeue (a poison message), or that expired: it lands in the queues bound to that exchange instead of being lost.',
  'fan-out': 'One message, one copy in every queue bound with a matching key: each subscribing service gets its own.',
  'work queue':
    'Several consumers on one queue share its messages: each message goes to exactly one of them, and another takes over what a dead one held unacked.',
} as const;

export type GlossaryTerm = keyof typeof GLOSSARY;
