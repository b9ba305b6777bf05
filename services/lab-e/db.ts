// Postgres for the Lab E services: one database per service, created when missing, migrated at start and worked on in
// transactions (services/shared/database.ts), and the inbox and outbox tables its services share.
export {
  createPool,
  databaseNameOf,
  ensureDatabase,
  migrate,
  withDatabase,
  withTx,
  type Migration,
} from '../shared/database.js';

/** The inbox and outbox tables every consuming/producing service shares (in its own database). */
export const INBOX_OUTBOX_SQL = `
  CREATE TABLE processed_events (
    event_id uuid PRIMARY KEY,
    event_name text NOT NULL,
    topic text NOT NULL,
    partition integer NOT NULL,
    "offset" bigint NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    topic text NOT NULL,
    key text NOT NULL,
    event_id uuid NOT NULL,
    event_name text NOT NULL,
    event_version integer NOT NULL,
    entity_kind text NOT NULL,
    value jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz NULL,
    attempts integer NOT NULL DEFAULT 0,
    last_error text NULL,
    sent_partition integer NULL,
    sent_offset bigint NULL
  );
  CREATE INDEX outbox_pending_idx ON outbox (id) WHERE sent_at IS NULL;
`;
