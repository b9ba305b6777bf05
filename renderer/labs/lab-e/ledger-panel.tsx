// Lab E, Stack view: accounting's ledger. Per worker the balance and the audit log (one ledger row per change), the
// day's management income (fees charged − rewards paid), and Close the day with its payouts and mails.
import { useState } from 'react';
import { useClient } from '../../lib/client-context';
import { errorMessage } from '../../lib/console-client';
import { useAction } from '../../lib/use-action';
import { Badge } from '../../ui/badge';
import { EmptyState } from '../../ui/empty-state';
import { Panel } from '../../ui/panel';
import { useServicesStore } from '../../features/service-instances/store';
import { useLabEStore, type CloseDay, type Ledger } from './store';
import { usePoll } from './use-poll';
import './lab-e.css';

export const LEDGER_POLL_MS = 3000;
/** the instance whose database it is */
const ACCOUNTING = 'accounting';

type Worker = Ledger['workers'][number];

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
const nameOf = (w: { email: string | null; fullName?: string | null; publicId?: string; account?: string }) =>
  w.email ?? w.fullName ?? w.publicId ?? w.account ?? '?';

export function LedgerPanel() {
  const client = useClient();
  const running = useServicesStore((s) => s.byName[ACCOUNTING]?.state === 'running');
  const ledger = useLabEStore((s) => s.ledger);
  const ledgerError = useLabEStore((s) => s.ledgerError);
  const lastClose = useLabEStore((s) => s.lastClose);
  const set = useLabEStore((s) => s.set);
  const refresh = async () => {
    try {
      set({ ledger: await client.request['lab-e:ledger']({}), ledgerError: null });
    } catch (err) {
      set({ ledgerError: errorMessage(err) });
    }
  };
  usePoll(refresh, LEDGER_POLL_MS, running);
  const close = useAction('lab-e:close-day', async () => {
    set({ lastClose: await client.request['lab-e:close-day']({}) });
    await refresh();
  });
  return (
    <Panel
      title="Ledger"
      testId="ledger-panel"
      hint={
        <>
          Accounting prices a task once (fee 10..20, reward 20..40), charges the fee on every assignment and pays the
          reward on completion: one ledger row per change, and a balance per worker that always equals its rows.{' '}
          <strong>Close the day</strong> pays out every positive balance (a payout row, a mail, balance 0) and carries
          negative ones over.
        </>
      }
      actions={
        <button
          type="button"
          className="primary"
          onClick={() => void close.invoke()}
          disabled={!running || close.pending}
          title={
            running ? 'POST /accounting/close-day through the gateway, as an accountant' : 'start accounting first'
          }
        >
          {close.pending ? 'Closing…' : 'Close the day'}
        </button>
      }
    >
      {!running && ledger === null ? (
        <EmptyState title="Accounting is not running" testId="ledger-empty">
          Start the services above; the ledger fills as tasks are assigned and completed (run the load).
        </EmptyState>
      ) : ledger === null ? (
        <EmptyState title={ledgerError === null ? 'Reading the ledger…' : 'The ledger could not be read'}>
          {ledgerError}
        </EmptyState>
      ) : (
        <LedgerBody ledger={ledger} />
      )}
      {lastClose !== null && <CloseResult result={lastClose} />}
      {ledger !== null && <History ledger={ledger} />}
    </Panel>
  );
}

function LedgerBody({ ledger }: { ledger: Ledger }) {
  const workers = ledger.workers.filter((w) => w.role === 'worker' || w.role === null || w.rows > 0);
  const [picked, setPicked] = useState<string | null>(null);
  const worker = workers.find((w) => w.publicId === picked) ?? workers.find((w) => w.rows > 0) ?? null;
  const { income } = ledger;
  return (
    <>
      <div className="stats ledger-stats">
        <div className="stat">
          <div className="stat-label">The day (billing cycle)</div>
          <div className="stat-value ledger-day" data-testid="ledger-day">
            {ledger.cycle === null ? '—' : ledger.cycle.day}
          </div>
          <div className="sub">{ledger.cycle === null ? 'no cycle open yet' : `cycle #${ledger.cycle.id}`}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Fees charged</div>
          <div className="stat-value">{income.fees}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Rewards paid</div>
          <div className="stat-value">{income.rewards}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Management income</div>
          <div className={`stat-value ${income.managementIncome < 0 ? 'text-bad' : ''}`} data-testid="ledger-income">
            {income.managementIncome}
          </div>
          <div className="sub">fees − rewards, today</div>
        </div>
      </div>
      {workers.length === 0 ? (
        <p className="muted">No worker has a ledger row yet: run the load on this view.</p>
      ) : (
        <div className="ledger">
          <table className="table" aria-label="Workers">
            <thead>
              <tr>
                <th>Worker</th>
                <th className="num">Balance</th>
                <th className="num" title="Σ credit − debit over the worker's ledger rows">
                  Ledger Σ
                </th>
                <th className="num">Rows</th>
              </tr>
            </thead>
            <tbody>
              {workers.map((w) => (
                <WorkerRow
                  key={w.publicId}
                  w={w}
                  picked={w.publicId === worker?.publicId}
                  onPick={() => setPicked(w.publicId)}
                />
              ))}
            </tbody>
          </table>
          <div>{worker !== null && <AuditLog worker={worker} />}</div>
        </div>
      )}
    </>
  );
}

function WorkerRow({ w, picked, onPick }: { w: Worker; picked: boolean; onPick: () => void }) {
  const agrees = w.ledgerSum === w.balance;
  return (
    <tr className={picked ? 'schemas-picked' : ''} data-testid={`ledger-worker-${w.publicId}`}>
      <td>
        <button type="button" className="linkish" aria-pressed={picked} onClick={onPick}>
          {nameOf(w)}
        </button>
        {w.role !== 'worker' && w.role !== null && <span className="sub"> ({w.role})</span>}
      </td>
      <td className={`num ${w.balance < 0 ? 'text-bad' : ''}`}>{w.balance}</td>
      <td className="num" title={agrees ? 'equals the balance' : 'differs from the balance: invariant 4 broken'}>
        {w.ledgerSum} {agrees ? '' : <Badge state="≠ balance" tone="bad" />}
      </td>
      <td className="num">{w.rows}</td>
    </tr>
  );
}

function AuditLog({ worker }: { worker: Worker }) {
  return (
    <div data-testid="ledger-audit">
      <h3 className="ledger-audit-title">
        Audit log of {nameOf(worker)}
        {worker.rows > worker.ledger.length && ` (newest ${worker.ledger.length} of ${worker.rows})`}
      </h3>
      <table className="table" aria-label={`Audit log of ${nameOf(worker)}`}>
        <thead>
          <tr>
            <th>When</th>
            <th>Change</th>
            <th>Task</th>
            <th className="num">Amount</th>
            <th className="num">Balance after</th>
          </tr>
        </thead>
        <tbody>
          {worker.ledger.map((r) => (
            <tr key={r.transactionId}>
              <td className="mono">{new Date(r.at).toLocaleTimeString()}</td>
              <td>
                <Badge state={r.kind} tone={r.kind === 'fee' ? 'warn' : r.kind === 'reward' ? 'ok' : 'info'} />
              </td>
              <td className="detail">
                {r.taskTitle ?? r.task ?? (r.kind === 'payout' ? `day close #${r.cycleId}` : '—')}
              </td>
              <td className={`num ${r.debit > 0 ? 'text-bad' : 'text-ok'}`}>{signed(r.credit - r.debit)}</td>
              <td className="num">{r.balanceAfter}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CloseResult({ result }: { result: CloseDay }) {
  return (
    <div className="ledger-close" data-testid="ledger-close-result" role="status">
      <h3>
        Day {result.day} closed (cycle #{result.cycleId}; #{result.nextCycleId} is open now): management income{' '}
        {result.managementIncome}
      </h3>
      <div className="grid-2">
        <div>
          <strong>Payouts</strong> ({result.payouts.length})
          {result.payouts.length === 0 ? (
            <p className="muted">No positive balance to pay out.</p>
          ) : (
            <ul className="ledger-list">
              {result.payouts.map((p) => (
                <li key={p.account}>
                  {nameOf(p)}: <strong>{p.amount}</strong> paid, balance 0
                </li>
              ))}
            </ul>
          )}
          <strong>Carried over</strong> ({result.carriedOver.length})
          {result.carriedOver.length === 0 ? (
            <p className="muted">No negative balance.</p>
          ) : (
            <ul className="ledger-list">
              {result.carriedOver.map((p) => (
                <li key={p.account}>
                  {nameOf(p)}: <span className="text-bad">{p.balance}</span> stays for tomorrow
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <strong>Mails</strong> ({result.mails.length}, in accounting&apos;s <code>mail_outbox</code>)
          {result.mails.length === 0 ? (
            <p className="muted">None: nobody was paid.</p>
          ) : (
            <ul className="ledger-list" data-testid="ledger-mails">
              {result.mails.map((m, i) => (
                <li key={i}>
                  <span className="mono">{m.to ?? m.account}</span>: <em>{m.subject}</em>
                  <div className="sub">{m.body}</div>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </div>
  );
}

function History({ ledger }: { ledger: Ledger }) {
  if (ledger.closed.length === 0) return null;
  return (
    <details className="ledger-history">
      <summary>Closed days ({ledger.closed.length})</summary>
      <table className="table" aria-label="Closed days">
        <thead>
          <tr>
            <th>Day</th>
            <th>Closed</th>
            <th className="num">Management income</th>
            <th>Payouts</th>
          </tr>
        </thead>
        <tbody>
          {ledger.closed.map((d) => (
            <tr key={d.cycleId}>
              <td>
                {d.day} <span className="sub">#{d.cycleId}</span>
              </td>
              <td className="mono">{new Date(d.closedAt).toLocaleTimeString()}</td>
              <td className="num">{d.managementIncome}</td>
              <td className="detail">
                {d.payouts.length === 0 ? '—' : d.payouts.map((p) => `${nameOf(p)} ${p.amount}`).join(', ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
