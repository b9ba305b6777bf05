// The queue table: depths (ready, unacked), consumers, the broker's rates and the dead-letter exchange of each queue.
import type { RabbitQueue } from '../../../../main/console/contract/console-api';
import { formatTime } from '../../../lib/format';
import { Badge } from '../../../ui/badge';
import { Term } from '../../../ui/term';
import type { Redelivery } from '../store';
import { rate } from '../topology';

export function QueueTable({
  queues,
  redeliveries,
}: {
  queues: readonly RabbitQueue[];
  redeliveries: Record<string, Redelivery>;
}) {
  return (
    <div className="table-scroll">
      <table className="table" data-testid="queue-table">
        <thead>
          <tr>
            <th scope="col">queue</th>
            <th scope="col" className="num">
              <Term term="ready">ready</Term>
            </th>
            <th scope="col" className="num">
              <Term term="unacked">unacked</Term>
            </th>
            <th scope="col" className="num">
              consumers
            </th>
            <th scope="col" className="num">
              publish
            </th>
            <th scope="col" className="num">
              deliver
            </th>
            <th scope="col" className="num">
              ack
            </th>
            <th scope="col" className="num">
              <Term term="redeliver">redeliver</Term>
            </th>
            <th scope="col">
              <Term term="dead-letter exchange">dead-letter exchange</Term>
            </th>
            <th scope="col">kind</th>
          </tr>
        </thead>
        <tbody>
          {queues.map((q) => {
            const r = redeliveries[q.id];
            return (
              <tr key={q.id} data-testid={`queue-row-${q.name}`}>
                <th scope="row" className="name mono">
                  {q.name}
                </th>
                <td className="num" data-testid={`queue-ready-${q.name}`}>
                  {q.ready}
                </td>
                <td className="num" data-testid={`queue-unacked-${q.name}`}>
                  {q.unacked}
                </td>
                <td className="num" data-testid={`queue-consumers-${q.name}`}>
                  {q.consumers === 0 ? <Badge state="0" tone="bad" label="no consumer" /> : q.consumers}
                </td>
                <td className="num">{rate(q.publishRate)}</td>
                <td className="num">{rate(q.deliverRate)}</td>
                <td className="num">{rate(q.ackRate)}</td>
                <td className="num" data-testid={`queue-redeliver-${q.name}`}>
                  {rate(q.redeliverRate)}
                  {r !== undefined && (
                    <div className="sub" title={`peak ${rate(r.peak)}`}>
                      last {formatTime(r.at)}
                    </div>
                  )}
                </td>
                <td className="mono">{q.deadLetterExchange ?? '—'}</td>
                <td className="sub">
                  {[
                    q.durable ? 'durable' : 'not durable',
                    q.exclusive ? 'exclusive' : '',
                    q.autoDelete ? 'auto-delete' : '',
                  ]
                    .filter((x) => x !== '')
                    .join(', ')}
                  {q.state !== 'running' && q.state !== 'unknown' ? ` · ${q.state}` : ''}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
