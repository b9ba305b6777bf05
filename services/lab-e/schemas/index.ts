// Every schema of the registry, imported statically so that a bundle (dist/services/cli.cjs) carries them too. The
// files are the source of truth (`<domain>/<event>/<version>.json`); registry.test.ts checks that this list and the
// folder agree, so a new version file that is not listed here fails the unit tests.
import envelope from './envelope.json' with { type: 'json' };
import accountCreated1 from './accounts/AccountCreated/1.json' with { type: 'json' };
import accountUpdated1 from './accounts/AccountUpdated/1.json' with { type: 'json' };
import accountRoleChanged1 from './accounts/AccountRoleChanged/1.json' with { type: 'json' };
import taskCreated1 from './tasks/TaskCreated/1.json' with { type: 'json' };
import taskCreated2 from './tasks/TaskCreated/2.json' with { type: 'json' };
import taskUpdated1 from './tasks/TaskUpdated/1.json' with { type: 'json' };
import taskAdded1 from './tasks/TaskAdded/1.json' with { type: 'json' };
import taskAssigned1 from './tasks/TaskAssigned/1.json' with { type: 'json' };
import taskCompleted1 from './tasks/TaskCompleted/1.json' with { type: 'json' };
import transactionApplied1 from './accounting/TransactionApplied/1.json' with { type: 'json' };
import paymentMade1 from './accounting/PaymentMade/1.json' with { type: 'json' };
import billingCycleClosed1 from './accounting/BillingCycleClosed/1.json' with { type: 'json' };

export interface SchemaFile {
  domain: string;
  event: string;
  version: number;
  /** path below services/lab-e/schemas/ */
  file: string;
  schema: Record<string, unknown>;
}

function entry(domain: string, event: string, version: number, schema: object): SchemaFile {
  return {
    domain,
    event,
    version,
    file: `${domain}/${event}/${version}.json`,
    schema: schema as Record<string, unknown>,
  };
}

export const ENVELOPE_SCHEMA = envelope as Record<string, unknown>;

export const SCHEMA_FILES: readonly SchemaFile[] = [
  entry('accounts', 'AccountCreated', 1, accountCreated1),
  entry('accounts', 'AccountUpdated', 1, accountUpdated1),
  entry('accounts', 'AccountRoleChanged', 1, accountRoleChanged1),
  entry('tasks', 'TaskCreated', 1, taskCreated1),
  entry('tasks', 'TaskCreated', 2, taskCreated2),
  entry('tasks', 'TaskUpdated', 1, taskUpdated1),
  entry('tasks', 'TaskAdded', 1, taskAdded1),
  entry('tasks', 'TaskAssigned', 1, taskAssigned1),
  entry('tasks', 'TaskCompleted', 1, taskCompleted1),
  entry('accounting', 'TransactionApplied', 1, transactionApplied1),
  entry('accounting', 'PaymentMade', 1, paymentMade1),
  entry('accounting', 'BillingCycleClosed', 1, billingCycleClosed1),
];
