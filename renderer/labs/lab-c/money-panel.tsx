// Lab C, Stack view: payments' money. The accounts, their balances, top-ups and completed payments, and the
// conservation sum: Σ balances − (Σ top-ups − Σ completed payments), 0 while money is conserved; an account whose
// balance is not its top-ups minus its payments (or its ledger) is listed first and marked.
import { Badge } from '../../ui/badge';
import { EmptyState } from '../../ui/empty-state';
import { Panel } from '../../ui/panel';
import { Stat } from './inbox-panel';
import { useLabCStore } from './store';
import './lab-c.css';

const money = (n: number) => n.toFixed(2);

export function MoneyPanel() {
  const m = useLabCStore((s) => s.money);
  const problem = useLabCStore((s) => s.problem);
  return (
    <Panel
      title="Money"
      testId="money-panel"
      hint={
        <>
          Every account&apos;s balance must equal its top-ups minus its completed payments (and its ledger rows): a
          debit taken twice or a top-up lost to a racing write shows here as a non-zero conservation sum.
        </>
      }
    >
      {m === null ? (
        <EmptyState title={problem === null ? 'Reading the accounts…' : 'The accounts could not be read'}>
          {problem}
        </EmptyState>
      ) : !m.reachable ? (
        <EmptyState title="Payments has no database yet" testId="money-empty">
          Start payments; accounts appear as users are created and topped up (run the load).
        </EmptyState>
      ) : (
        <>
          <div className="stats">
            <Stat label="Accounts" value={m.accounts} testId="money-accounts" />
            <Stat label="Σ balances" value={money(m.balances)} />
            <Stat label="Σ top-ups" value={money(m.topups)} />
            <Stat
              label="Σ completed payments"
              value={money(m.paid)}
              sub={`${m.completedPayments} completed, ${m.failedPayments} failed`}
            />
            <Stat
              label="Conservation"
              value={money(m.conservation)}
              sub={m.unbalanced === 0 ? 'balances = top-ups − payments' : `${m.unbalanced} accounts do not add up`}
              tone={m.conservation === 0 && m.unbalanced === 0 ? 'ok' : 'bad'}
              testId="money-conservation"
            />
          </div>
          {m.list.length > 0 && (
            <table className="table labc-table" aria-label="Accounts">
              <thead>
                <tr>
                  <th>User</th>
                  <th className="num">Balance</th>
                  <th className="num">Top-ups</th>
                  <th className="num">Paid</th>
                  <th className="num">Payments</th>
                  <th className="num">Ledger Σ</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                {m.list.map((a) => (
                  <tr key={a.userId} data-testid={`money-account-${a.userId}`}>
                    <td className="mono">{a.userId}</td>
                    <td className="num">{money(a.balance)}</td>
                    <td className="num">{money(a.topups)}</td>
                    <td className="num">{money(a.paid)}</td>
                    <td className="num">
                      {a.payments}
                      {a.failed > 0 && <span className="sub"> +{a.failed} failed</span>}
                    </td>
                    <td className="num">{money(a.ledger)}</td>
                    <td>{a.ok ? <Badge state="adds up" tone="ok" /> : <Badge state="≠" tone="bad" />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </Panel>
  );
}
