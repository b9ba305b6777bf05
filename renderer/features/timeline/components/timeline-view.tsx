// Timeline: search an order id and see its steps (DB commit → outbox → Kafka partition/offset → notifier), with flags;
// the recent orders and the flagged ones.
import { useState } from 'react';
import { Panel } from '../../../ui/panel';
import { Term } from '../../../ui/term';
import { OrderDetail } from './order-detail';
import { OrderList } from './order-list';

export function TimelineView() {
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const valid = /^\d{1,20}$/.test(query.trim());
  return (
    <div className="view" data-testid="view-timeline">
      <Panel
        title="Order timeline"
        hint={
          <>
            Type an order id to see its <Term term="timeline" />: when each status was committed in Postgres, when the
            relay sent it to Kafka (which <Term term="partition" /> and <Term term="offset" />
            ), and which notifier processed it.
          </>
        }
      >
        <form
          className="search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            if (valid) setSelected(query.trim());
          }}
        >
          <label>
            Order id
            <input
              type="search"
              inputMode="numeric"
              placeholder="e.g. 42"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              aria-invalid={query !== '' && !valid}
            />
          </label>
          <button type="submit" className="primary" disabled={!valid}>
            Show timeline
          </button>
          {query !== '' && !valid && <span className="text-bad sub">An order id is a number.</span>}
        </form>
        {selected === null ? (
          <p className="muted" data-testid="timeline-hint">
            Pick an order from the lists below, or search one by id.
          </p>
        ) : (
          <OrderDetail orderId={selected} />
        )}
      </Panel>
      <div className="stack-col">
        <OrderList
          kind="recent"
          onPick={(id) => {
            setQuery(id);
            setSelected(id);
          }}
        />
        <OrderList
          kind="flagged"
          onPick={(id) => {
            setQuery(id);
            setSelected(id);
          }}
        />
      </div>
    </div>
  );
}
