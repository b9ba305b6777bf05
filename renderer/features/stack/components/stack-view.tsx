// The Stack view: the brokers, the lab's services, its faults, its load, and logs. The first-time hint is the lab's.
import { useState } from 'react';
import { LabSlot } from '../../../labs/lab-slot';
import { ConnectPanel } from '../../connect/components/connect-panel';
import { FaultsPanel } from '../../faults/components/faults-panel';
import { LinksPanel } from '../../faults/components/links-panel';
import { instancesOf } from '../../labs/manifest';
import { useLab } from '../../labs/store';
import { LoadPanel } from '../../load/components/load-panel';
import { ServicesPanel } from '../../service-instances/components/services-panel';
import { LogsPanel, type LogSource } from './logs-panel';
import { StackPanel } from './stack-panel';

export function StackView() {
  const lab = useLab();
  const [picked, setLogSource] = useState<LogSource | null>(null);
  const logSource = picked ?? instancesOf(lab)[0] ?? lab?.components[0] ?? null;
  const hint = lab?.hint ?? [];
  return (
    <div className="view" data-testid="view-stack">
      {hint.length > 0 && (
        <p className="intro" data-testid="lab-hint">
          Start here:{' '}
          {hint.map((step, i) => (
            <span key={step}>
              {i > 0 && ' · '}
              <strong>{i + 1}.</strong> {step}
            </span>
          ))}
          . Then follow the events in the other views, and break things on purpose to see what happens.
        </p>
      )}
      <StackPanel onShowLogs={setLogSource} />
      <ConnectPanel />
      <ServicesPanel onShowLogs={setLogSource} />
      <div className="grid-2">
        {lab?.load != null && <LoadPanel load={lab.load} lab={lab.id} />}
        <FaultsPanel />
      </div>
      <LinksPanel />
      <LabSlot view="stack" />
      {logSource !== null && <LogsPanel source={logSource} onSource={setLogSource} />}
    </div>
  );
}
