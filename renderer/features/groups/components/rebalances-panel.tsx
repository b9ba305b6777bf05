// The rebalance history: when the group redistributed its partitions, and which partition moved from whom to whom.
import { formatTime } from '../../../lib/format';
import { EmptyState } from '../../../ui/empty-state';
import { Panel } from '../../../ui/panel';
import { Term } from '../../../ui/term';
import { instanceOfClient, instancesOf } from '../../labs/manifest';
import { useLab } from '../../labs/store';
import { useGroupsStore } from '../store';

export function RebalancesPanel() {
  const rebalances = useGroupsStore((s) => s.rebalances);
  const instances = instancesOf(useLab());
  const nameOf = (clientId: string) => instanceOfClient(clientId, instances);
  return (
    <Panel
      title="Rebalance history"
      testId="rebalances-panel"
      hint={
        <>
          A <Term term="rebalance" /> happens when a member joins or leaves. A killed member is noticed only after its
          session times out (about 10 s); a stopped one leaves at once.
        </>
      }
    >
      {rebalances.length === 0 ? (
        <EmptyState title="No rebalances seen yet" testId="rebalances-empty" />
      ) : (
        <table className="table" aria-label="Rebalances" data-testid="rebalances">
          <thead>
            <tr>
              <th>Time</th>
              <th>Group</th>
              <th>
                <Term term="generation" />
              </th>
              <th>Members after</th>
              <th>Moves</th>
            </tr>
          </thead>
          <tbody>
            {rebalances.map((r) => (
              <tr key={`${r.groupId}-${r.at}`} data-testid="rebalance-row">
                <td className="mono">{formatTime(r.at)}</td>
                <td>{r.groupId}</td>
                <td
                  className="num"
                  data-testid="rebalance-generation"
                  title={r.generationId === null ? 'not known yet: the members report it once they rejoin' : undefined}
                >
                  {r.generationId ?? '—'}
                </td>
                <td>{r.membersAfter.map(nameOf).join(', ') || 'none'}</td>
                <td>
                  {r.moves.length === 0
                    ? 'no partition moved'
                    : r.moves
                        .map(
                          (m) =>
                            `p${m.partition}: ${m.from !== null ? nameOf(m.from) : 'nobody'} → ${m.to !== null ? nameOf(m.to) : 'nobody'}`,
                        )
                        .join(' · ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
