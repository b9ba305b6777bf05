// Consumer groups: who owns which partition (members × partitions), the lag per partition, and the rebalances.
import { useMemo, useState } from 'react';
import type { GroupState } from '../../../../main/console/contract/console-api';
import { LabSlot } from '../../../labs/lab-slot';
import { formatDuration, formatTime } from '../../../lib/format';
import { Badge } from '../../../ui/badge';
import { EmptyState } from '../../../ui/empty-state';
import { FilterTable, type FilterColumn } from '../../../ui/filter-table';
import { Panel } from '../../../ui/panel';
import { Term } from '../../../ui/term';
import { instanceOfClient, instancesOf } from '../../labs/manifest';
import { useLab } from '../../labs/store';
import { assignmentMatrix, useGroupsStore } from '../store';
import { LagChart } from './lag-chart';
import { RebalancesPanel } from './rebalances-panel';

const NO_GROUPS: readonly string[] = [];

export function GroupsView() {
  const byId = useGroupsStore((s) => s.byId);
  const lab = useLab();
  const labGroups = lab?.groups ?? NO_GROUPS;
  const instances = instancesOf(lab);
  const groups = useMemo(() => Object.values(byId).sort((a, b) => a.groupId.localeCompare(b.groupId)), [byId]);
  // the lab's groups (and any group with members) first; empty groups left behind by other runs folded away
  const primary = groups.filter((g) => labGroups.includes(g.groupId) || g.members.length > 0);
  const others = groups.filter((g) => !primary.includes(g));
  return (
    <div className="view" data-testid="view-groups">
      {groups.length === 0 ? (
        <Panel title="Consumer groups">
          <EmptyState title="No consumer groups yet" testId="groups-empty">
            A <Term term="consumer group" /> appears when its first member joins: start the lab&apos;s services on the
            Stack view.
          </EmptyState>
        </Panel>
      ) : (
        primary.map((g) => <GroupPanel key={g.groupId} group={g} instances={instances} />)
      )}
      {groups.length > 0 && primary.length === 0 && (
        <Panel title="Consumer groups">
          <EmptyState title={`${labGroups.join(', ') || 'The lab'} has no members yet`} testId="groups-empty">
            Start the lab&apos;s services on the Stack view: each consumer joins its <Term term="consumer group" />
            {labGroups.length > 0 ? (
              <>
                {' '}
                <code>{labGroups.join(', ')}</code>
              </>
            ) : null}
            .
          </EmptyState>
        </Panel>
      )}
      {others.length > 0 && (
        <details className="panel others" data-testid="other-groups">
          <summary>Other groups without members ({others.length})</summary>
          <OtherGroups groups={others} instances={instances} />
        </details>
      )}
      <LabSlot view="groups" />
      <RebalancesPanel />
    </div>
  );
}

const OTHER_COLUMNS: FilterColumn<GroupState>[] = [
  { label: 'Group', width: 'minmax(220px, 1fr)', render: (g) => <code>{g.groupId}</code> },
  { label: 'State', width: '110px', render: (g) => g.state },
  {
    label: 'Topics',
    width: 'minmax(160px, 1fr)',
    render: (g) => [...new Set(g.partitions.map((p) => p.topic))].join(', ') || '—',
  },
  { label: 'Partitions', width: '90px', numeric: true, render: (g) => g.partitions.length },
  { label: 'Lag', width: '90px', numeric: true, render: (g) => g.totalLag },
];
const groupText = (g: GroupState) => g.groupId;

/** Groups without members (a course cluster may keep hundreds): one filterable row each, the chosen one in full. */
function OtherGroups({ groups, instances }: { groups: GroupState[]; instances: readonly string[] }) {
  const [selected, setSelected] = useState<string | null>(null);
  const open = selected === null ? undefined : groups.find((g) => g.groupId === selected);
  return (
    <>
      <FilterTable
        items={groups}
        columns={OTHER_COLUMNS}
        textOf={groupText}
        keyOf={groupText}
        label="Other groups"
        testId="other-groups-table"
        selected={selected}
        onSelect={setSelected}
      />
      {open !== undefined && <GroupPanel group={open} instances={instances} />}
    </>
  );
}

function GroupPanel({ group, instances }: { group: GroupState; instances: readonly string[] }) {
  const { columns, rows } = useMemo(() => assignmentMatrix(group), [group]);
  const owning = rows.filter((r) => !r.idle).length;
  const lagByKey = new Map(group.partitions.map((p) => [`${p.topic}/${p.partition}`, p]));
  const nameOfMember = new Map(group.members.map((m) => [m.memberId, instanceOfClient(m.clientId, instances)]));
  return (
    <Panel
      title={
        <>
          Group <code>{group.groupId}</code>
        </>
      }
      testId={`group-${group.groupId}`}
      hint={
        <>
          <span data-testid="group-members-summary">
            <strong data-testid="group-member-count">{rows.length}</strong> <Term term="member">members</Term>,{' '}
            <strong data-testid="group-owning-count">{owning}</strong> own a <Term term="partition" />,{' '}
            <strong data-testid="group-idle-count">{rows.length - owning}</strong> <Term term="idle" />
          </span>
          . Total <Term term="lag" />: <strong data-testid="group-total-lag">{group.totalLag}</strong>.
        </>
      }
      actions={<Badge state={group.state} testId="group-state" />}
    >
      <h3>Who owns which partition</h3>
      {rows.length === 0 ? (
        <EmptyState title="No members">
          Every member of this group is down: its partitions wait, and the lag grows.
        </EmptyState>
      ) : (
        <table className="table matrix" aria-label={`Assignment of ${group.groupId}`} data-testid="assignment-matrix">
          <thead>
            <tr>
              <th>Member</th>
              {columns.map((c) => (
                <th key={c.key} className="center" title={c.topic}>
                  p{c.partition}
                </th>
              ))}
              <th>Role</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const name = instanceOfClient(r.clientId, instances);
              return (
                <tr key={r.memberId} data-testid={`member-${name}`} data-idle={r.idle ? 'true' : 'false'}>
                  <th scope="row">
                    <div className="name">{name}</div>
                    <div className="sub mono" title={r.memberId}>
                      {r.memberId.slice(0, 28)}…
                    </div>
                  </th>
                  {columns.map((c) => (
                    <td key={c.key} className="center">
                      {r.partitions.has(c.key) ? (
                        <span
                          className={`owner pchip p${c.partition % 6}`}
                          data-testid={`owns-${name}-p${c.partition}`}
                          aria-label={`${name} owns p${c.partition}`}
                        >
                          owns
                        </span>
                      ) : (
                        <span className="muted" aria-hidden="true">
                          ·
                        </span>
                      )}
                    </td>
                  ))}
                  <td>
                    {r.idle ? (
                      <Badge state="idle (spare)" tone="idle" testId={`idle-${name}`} />
                    ) : (
                      <Badge state="active" tone="ok" />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <h3>
        <Term term="lag" /> per partition
      </h3>
      <table className="table" aria-label={`Lag of ${group.groupId}`}>
        <thead>
          <tr>
            <th>Partition</th>
            <th>Owner</th>
            <th className="num">
              <Term term="committed" />
            </th>
            <th className="num">
              <Term term="log-end" />
            </th>
            <th className="num">
              <Term term="lag" />
            </th>
            <th className="num">
              <Term term="lag (s)" />
            </th>
          </tr>
        </thead>
        <tbody>
          {columns.map((c) => {
            const p = lagByKey.get(c.key);
            const owner = p?.ownerMemberId != null ? (nameOfMember.get(p.ownerMemberId) ?? p.ownerMemberId) : null;
            return (
              <tr key={c.key} data-testid={`lag-p${c.partition}`}>
                <th scope="row">
                  p{c.partition} <span className="sub">{c.topic}</span>
                </th>
                <td data-testid={`owner-p${c.partition}`}>{owner ?? <span className="text-warn">nobody</span>}</td>
                <td className="num mono">{p?.committedOffset ?? '—'}</td>
                <td className="num mono">{p?.logEndOffset ?? '—'}</td>
                <td
                  className={`num ${p !== undefined && p.lag > 0 ? 'text-warn' : ''}`}
                  data-testid={`lag-value-p${c.partition}`}
                >
                  {p?.lag ?? '—'}
                </td>
                <td className="num">
                  {p?.lagSeconds != null ? formatDuration(p.lagSeconds * 1000) : p?.lag === 0 ? '0' : '—'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h3>
        <Term term="lag" /> over the last 30 minutes
      </h3>
      <LagChart groupId={group.groupId} />
      <p className="hint">
        Updated {formatTime(Date.now())}. Kill an active member on the Stack view and watch its partition move to an
        idle one.
      </p>
    </Panel>
  );
}
