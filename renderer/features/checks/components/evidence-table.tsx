// The evidence of one check result: where each fact was read (a record, a row, a log line …), the exact place and
// what was found there; a record opens the Topics view at it, an entity opens its timeline.
import type { Evidence } from '../../../../main/console/contract/console-api';
import { useNavigate } from '../../../lib/navigation';

const SOURCE_LABEL: Record<Evidence['source'], string> = {
  record: 'Kafka record',
  row: 'table row',
  log: 'log line',
  queue: 'queue',
  offset: 'offset',
  http: 'HTTP',
  group: 'consumer group',
};

export function EvidenceTable({ check, evidence, noun }: { check: string; evidence: Evidence[]; noun: string }) {
  const navigate = useNavigate();
  return (
    <table className="table evidence" aria-label={`Evidence of ${check}`} data-testid={`check-evidence-${check}`}>
      <thead>
        <tr>
          <th>Source</th>
          <th>Where</th>
          <th>What was found</th>
          <th>Open</th>
        </tr>
      </thead>
      <tbody>
        {evidence.map((e, i) => (
          <tr key={i} data-testid="evidence-row">
            <td className="evidence-source">{SOURCE_LABEL[e.source]}</td>
            <td className="mono evidence-ref">{e.ref}</td>
            <td className="evidence-detail">{e.detail}</td>
            <td className="evidence-links">
              {e.record !== undefined && navigate !== null && (
                <button
                  type="button"
                  className="link"
                  onClick={() =>
                    navigate('topics', { kind: 'record', ...(e.record as NonNullable<Evidence['record']>) })
                  }
                >
                  record p{e.record.partition}@{e.record.offset}
                </button>
              )}
              {e.entity !== undefined && navigate !== null && (
                <button
                  type="button"
                  className="link"
                  onClick={() => navigate('timeline', { kind: 'entity', entity: e.entity as string })}
                >
                  timeline of {noun} {e.entity}
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
