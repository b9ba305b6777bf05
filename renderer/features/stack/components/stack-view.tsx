// The Stack view: the brokers, the lab services, the relay fault, creating orders, and logs.
import { useState } from 'react';
import { LoadPanel } from '../../load/components/load-panel';
import { RelayControls } from '../../outbox/components/relay-controls';
import { ServicesPanel } from '../../service-instances/components/services-panel';
import { LogsPanel, type LogSource } from './logs-panel';
import { StackPanel } from './stack-panel';

export function StackView() {
  const [logSource, setLogSource] = useState<LogSource>('loms');
  return (
    <div className="view" data-testid="view-stack">
      <p className="intro">
        Start here: <strong>1.</strong> Start local stack · <strong>2.</strong> Start all services · <strong>3.</strong>{' '}
        Create orders. Then follow the events in the other views, and break things on purpose (kill a notifier, stop
        Kafka, pause the relay) to see what happens.
      </p>
      <StackPanel onShowLogs={setLogSource} />
      <ServicesPanel onShowLogs={setLogSource} />
      <div className="grid-2">
        <LoadPanel />
        <section className="panel" aria-label="Faults">
          <header className="panel-head">
            <div>
              <h2>Faults</h2>
              <p className="hint">
                Break the system on purpose. Kill or stop a notifier in the table above; stop Kafka in the stack table.
              </p>
            </div>
          </header>
          <RelayControls />
        </section>
      </div>
      <LogsPanel source={logSource} onSource={setLogSource} />
    </div>
  );
}
