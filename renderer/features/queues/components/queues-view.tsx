// Queues (RabbitMQ): the topology exchange → binding (routing key) → queue → consumer instance with live depths and
// rates, the queue table, and fan-out next to a work queue as it happens. Everything comes from the queues store
// (rabbitmq:snapshot + rabbitmq:diff, the console's observer of the management API) and the lab's manifest.
import { useMemo, useState } from 'react';
import { LabSlot } from '../../../labs/lab-slot';
import { formatTime } from '../../../lib/format';
import { Badge } from '../../../ui/badge';
import { EmptyState } from '../../../ui/empty-state';
import { Panel } from '../../../ui/panel';
import { Term } from '../../../ui/term';
import { TopologyGraph } from '../../../ui/topology-graph';
import { useLab } from '../../labs/store';
import { useQueuesStore } from '../store';
import { fanOuts, missingQueues, shownQueues, topologyGraph, workQueues, type RabbitView } from '../topology';
import { QueueTable } from './queue-table';
import { RoutingPanel } from './routing-panel';
import '../queues.css';

function useRabbitView(): RabbitView {
  const exchanges = useQueuesStore((s) => s.exchanges);
  const queues = useQueuesStore((s) => s.queues);
  const bindings = useQueuesStore((s) => s.bindings);
  const connections = useQueuesStore((s) => s.connections);
  const channels = useQueuesStore((s) => s.channels);
  const consumers = useQueuesStore((s) => s.consumers);
  return useMemo(
    () => ({ exchanges, queues, bindings, connections, channels, consumers }),
    [exchanges, queues, bindings, connections, channels, consumers],
  );
}

export function QueuesView() {
  const lab = useLab();
  const view = useRabbitView();
  const node = useQueuesStore((s) => s.node);
  const endpoint = useQueuesStore((s) => s.endpoint);
  const reachable = useQueuesStore((s) => s.reachable);
  const at = useQueuesStore((s) => s.at);
  const redeliveries = useQueuesStore((s) => s.redeliveries);
  const maxConsumers = useQueuesStore((s) => s.maxConsumers);
  const labNames = (lab?.exchanges ?? []).length > 0;
  const [labOnly, setLabOnly] = useState(true);
  const only = labOnly && labNames;

  const queues = useMemo(() => shownQueues(view, lab, only), [view, lab, only]);
  const graph = useMemo(() => topologyGraph(view, lab, only), [view, lab, only]);
  const fanouts = useMemo(() => fanOuts(view, lab, only), [view, lab, only]);
  const works = useMemo(() => workQueues(view, lab, only, maxConsumers), [view, lab, only, maxConsumers]);
  const missing = useMemo(() => missingQueues(view, lab), [view, lab]);
  const usesRabbit = lab === null || lab.components.includes('rabbitmq');
  const allQueues = Object.keys(view.queues).length;

  const status = (
    <span className="sub" data-testid="rabbitmq-source">
      {node === null ? (
        'no RabbitMQ observed'
      ) : (
        <>
          node <code>{node}</code>
          {endpoint !== null && (
            <>
              {' '}
              · management <code>{endpoint}</code>
            </>
          )}{' '}
          · {reachable ? <Badge state="answering" tone="ok" /> : <Badge state="not answering" tone="bad" />} · updated{' '}
          {formatTime(at)}
        </>
      )}
    </span>
  );

  if (!usesRabbit)
    return (
      <div className="view" data-testid="view-queues">
        <Panel title="Queues">
          <EmptyState title="This lab uses no RabbitMQ" testId="queues-empty">
            Pick a lab that lists RabbitMQ among its components with the Lab picker.
          </EmptyState>
        </Panel>
      </div>
    );

  if (node === null && allQueues === 0)
    return (
      <div className="view" data-testid="view-queues">
        <Panel title="Queues">
          <EmptyState title="No RabbitMQ observed yet" testId="queues-empty">
            Press <b>Start local stack</b> on the Stack view: once RabbitMQ is healthy the console reads its management
            API each poll and draws its exchanges, queues and consumers here.
          </EmptyState>
        </Panel>
      </div>
    );

  return (
    <div className="view" data-testid="view-queues">
      {!reachable && (
        <p className="intro queues-unreachable" role="status" data-testid="queues-unreachable">
          The management API does not answer (the broker is down or restarting): the figures below are the last known,
          and they come back by themselves once it answers.
        </p>
      )}
      <Panel
        title="Topology"
        testId="topology-panel"
        hint={
          <>
            <Term term="exchange">Exchanges</Term> route each message by its <Term term="routing key" /> to the queues
            bound to them; each queue&apos;s consumers take its messages. Figures are live: ready and unacked messages
            per queue, what each consumer instance holds unacked, messages per second on each binding.
          </>
        }
        actions={
          <>
            {status}
            {labNames && (
              <label className="inline">
                <input
                  type="checkbox"
                  checked={labOnly}
                  onChange={(e) => setLabOnly(e.target.checked)}
                  data-testid="queues-lab-only"
                />
                only the lab&apos;s queues
              </label>
            )}
          </>
        }
      >
        {queues.length === 0 ? (
          <EmptyState title={allQueues === 0 ? 'No queue yet' : "None of the lab's queues yet"} testId="queues-empty">
            Press <b>Start all services</b> on the Stack view: each consumer declares its queue and binds it
            {missing.length > 0 && (
              <>
                {' '}
                (<code>{missing.join(', ')}</code>)
              </>
            )}
            .
          </EmptyState>
        ) : (
          <TopologyGraph
            nodes={graph.nodes}
            edges={graph.edges}
            label="RabbitMQ topology: exchanges, bindings with their routing keys, queues and the consumer instances"
            testId="topology-graph"
          />
        )}
        {queues.length > 0 && missing.length > 0 && (
          <p className="hint" data-testid="queues-missing">
            Not declared yet: <code>{missing.join(', ')}</code> (start the services that consume them).
          </p>
        )}
      </Panel>
      {queues.length > 0 && (
        <Panel
          title="Queues"
          testId="queues-table-panel"
          hint="Ready: waiting for a consumer. Unacked: delivered, not acknowledged yet (the broker redelivers them if the consumer dies). Rates per second over the broker's last sample."
        >
          <QueueTable queues={queues} redeliveries={redeliveries} />
        </Panel>
      )}
      {queues.length > 0 && <RoutingPanel lab={lab} fanouts={fanouts} works={works} redeliveries={redeliveries} />}
      <LabSlot view="queues" />
    </div>
  );
}
