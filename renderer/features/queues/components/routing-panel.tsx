// Fan-out next to a work queue, as it happens: an exchange that gives each bound queue its own copy of a message, a
// queue whose consumers share its messages (each to one of them), and the newest message of the lab's timeline: which
// queues got a copy and which instance took each copy (redelivered or not).
import { useEffect, useRef, useState } from 'react';
import type { EntityTimeline, LabManifest, TimelineFact } from '../../../../main/console/contract/console-api';
import { useClient } from '../../../lib/client-context';
import { formatTime } from '../../../lib/format';
import { Badge } from '../../../ui/badge';
import { EmptyState } from '../../../ui/empty-state';
import { Panel } from '../../../ui/panel';
import { Term } from '../../../ui/term';
import { useTimelineStore } from '../../timeline/store';
import type { Redelivery } from '../store';
import { rate, type FanOut, type WorkQueue } from '../topology';

type AmqpWhere = Extract<NonNullable<TimelineFact['where']>, { kind: 'amqp' }>;

export interface CopyTaken {
  queue: string;
  /** instance → the labels of its steps with this copy, in order, and whether the broker redelivered it */
  takers: { actor: string; steps: string[]; redelivered: boolean }[];
}

/** The newest status of one entity as copies: per queue, the instances that took it and what they did. */
export function copiesOf(
  timeline: EntityTimeline,
  stepLabel: (id: string) => string,
): { status: string | null; exchange: string | null; routingKey: string | null; copies: CopyTaken[] } {
  const status = timeline.lastStatus;
  const facts = timeline.steps.filter((f) => f.status === status);
  let exchange: string | null = null;
  let routingKey: string | null = null;
  const byQueue = new Map<string, Map<string, { steps: string[]; redelivered: boolean }>>();
  for (const f of facts) {
    if (f.where?.kind !== 'amqp') continue;
    const w: AmqpWhere = f.where;
    exchange ??= w.exchange;
    routingKey ??= w.routingKey;
    if (w.queue === null || f.actor === null) continue;
    const takers = byQueue.get(w.queue) ?? new Map<string, { steps: string[]; redelivered: boolean }>();
    const t = takers.get(f.actor) ?? { steps: [], redelivered: false };
    t.steps.push(stepLabel(f.step));
    if (w.redelivered === true) t.redelivered = true;
    takers.set(f.actor, t);
    byQueue.set(w.queue, takers);
  }
  const copies = [...byQueue.entries()]
    .map(([queue, takers]) => ({ queue, takers: [...takers.entries()].map(([actor, t]) => ({ actor, ...t })) }))
    .sort((a, b) => a.queue.localeCompare(b.queue));
  return { status, exchange, routingKey, copies };
}

/** The newest entity's timeline, fetched at most about once a second while the lab's timeline moves. */
function useNewestTimeline(lab: LabManifest | null): EntityTimeline | null {
  const client = useClient();
  const newest = useTimelineStore((s) => s.recent[s.recent.length - 1] ?? null);
  const lastAt = useTimelineStore((s) => (newest === null ? null : (s.byId.get(newest)?.lastAt ?? null)));
  const [timeline, setTimeline] = useState<EntityTimeline | null>(null);
  const want = useRef<{ lab: string | null; entity: string | null }>({ lab: null, entity: null });
  want.current = { lab: lab?.id ?? null, entity: newest };
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
      if (timer.current !== undefined) clearTimeout(timer.current);
      timer.current = undefined;
    };
  }, []);
  useEffect(() => {
    if (newest === null || lab === null || timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      const { lab: l, entity } = want.current;
      if (l === null || entity === null) return;
      client.request['timeline:get']({ lab: l, entity }).then(
        (r) => {
          if (alive.current) setTimeline(r.timeline);
        },
        () => undefined,
      );
    }, 600);
  }, [client, lab, newest, lastAt]);
  return timeline;
}

function NewestMessage({ lab }: { lab: LabManifest | null }) {
  const timeline = useNewestTimeline(lab);
  const noun = lab?.entity.noun ?? 'entity';
  if (timeline === null)
    return (
      <EmptyState title="No message followed yet" testId="newest-message-empty">
        Run load on the Stack view: the newest {noun}&apos;s last message shows here with each queue that got a copy and
        the instance that took it.
      </EmptyState>
    );
  // the steps by their ids (`delivered → acked`): the labels are sentences, the Timeline has them
  const { status, exchange, routingKey, copies } = copiesOf(timeline, (id) => id);
  return (
    <div data-testid="newest-message">
      <p className="hint">
        {noun} <code>{timeline.entity}</code>, status <b>{status ?? '—'}</b> at {formatTime(timeline.lastAt)}
        {exchange !== null && (
          <>
            {' '}
            — published to <code>{exchange === '' ? '(default exchange)' : exchange}</code> with key{' '}
            <code>{routingKey}</code>
          </>
        )}
      </p>
      {copies.length === 0 ? (
        <p className="muted">No queue has delivered it yet.</p>
      ) : (
        <table className="table" data-testid="newest-copies">
          <thead>
            <tr>
              <th scope="col">copy in queue</th>
              <th scope="col">taken by</th>
              <th scope="col">steps</th>
            </tr>
          </thead>
          <tbody>
            {copies.map((c) => (
              <tr key={c.queue} data-testid={`copy-${c.queue}`}>
                <th scope="row" className="mono">
                  {c.queue}
                </th>
                <td>
                  {c.takers.map((t) => (
                    <span key={t.actor} className="taker">
                      <b>{t.actor}</b> {t.redelivered && <Badge state="redelivered" tone="warn" />}
                    </span>
                  ))}
                  {c.takers.length > 1 && <div className="sub">more than one instance took this copy</div>}
                </td>
                <td className="sub">{c.takers.map((t) => t.steps.join(' → ')).join(' | ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function RoutingPanel({
  lab,
  fanouts,
  works,
  redeliveries,
}: {
  lab: LabManifest | null;
  fanouts: readonly FanOut[];
  works: readonly WorkQueue[];
  redeliveries: Record<string, Redelivery>;
}) {
  return (
    <Panel
      title="Fan-out vs work queue"
      testId="routing-panel"
      hint="An exchange gives every queue bound with a matching key its own copy of a message; the consumers of one queue share its messages, each message to one of them."
    >
      <div className="grid-2">
        <div data-testid="fanout-list">
          <h3>
            <Term term="fan-out">Fan-out</Term>: one copy per bound queue
          </h3>
          {fanouts.length === 0 ? (
            <p className="muted">No exchange routes to two queues yet: the consumers declare and bind their queues.</p>
          ) : (
            fanouts.map((f) => (
              <div key={f.exchange} className="routing-card" data-testid={`fanout-${f.exchange}`}>
                <div>
                  <code>{f.exchange}</code> <span className="sub">{f.type}</span>{' '}
                  <span className="sub">in {rate(f.inRate)}</span>
                </div>
                <ul>
                  {f.copies.map((c) => (
                    <li key={`${c.queue}|${c.routingKey}`}>
                      <code>{c.routingKey}</code> → <code>{c.queue}</code>{' '}
                      <span className="sub">
                        {rate(c.publishRate)}, {c.messages} held
                      </span>
                    </li>
                  ))}
                </ul>
              </div>
            ))
          )}
        </div>
        <div data-testid="work-queue-list">
          <h3>
            <Term term="work queue">Work queue</Term>: each message to one consumer
          </h3>
          {works.length === 0 ? (
            <p className="muted">No queue has two consumers yet: start the instances that share a queue.</p>
          ) : (
            works.map((w) => {
              const r = redeliveries[w.queue.id];
              return (
                <div key={w.queue.id} className="routing-card" data-testid={`work-${w.queue.name}`}>
                  <div>
                    <code>{w.queue.name}</code>{' '}
                    <span className="sub">
                      ready {w.queue.ready}, unacked {w.queue.unacked}, deliver {rate(w.queue.deliverRate)}
                    </span>
                  </div>
                  {w.consumers.length < w.maxConsumers && (
                    <p className="sub" data-testid={`work-left-${w.queue.name}`}>
                      {w.consumers.length} of the {w.maxConsumers} consumers left: what a gone one held unacked went
                      back to the queue, and the others take it.
                    </p>
                  )}
                  <ul>
                    {w.consumers.map((c) => (
                      <li key={c.id} data-testid={`work-consumer-${c.instance}`}>
                        <b>{c.instance}</b> holds <b>{c.unacked}</b> unacked{' '}
                        <span className="sub">
                          ({c.ackRequired ? `manual ack, prefetch ${c.prefetch}` : 'auto-ack: nothing to redeliver'})
                        </span>
                      </li>
                    ))}
                  </ul>
                  {(w.queue.redeliverRate > 0 || r !== undefined) && (
                    <p className="redelivered" data-testid={`redelivered-${w.queue.name}`}>
                      <Badge state="redelivered" tone="warn" /> {rate(w.queue.redeliverRate)} now
                      {r !== undefined && (
                        <>
                          ; last seen {formatTime(r.at)} (peak {rate(r.peak)}): messages a consumer held when it died
                          went to another
                        </>
                      )}
                    </p>
                  )}
                </div>
              );
            })
          )}
        </div>
      </div>
      <h3>The newest message</h3>
      <NewestMessage lab={lab} />
    </Panel>
  );
}
