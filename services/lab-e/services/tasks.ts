// tasks: the task tracker. A new task goes to a random worker (never a manager or admin); a reshuffle reassigns every
// open task at random; only the assignee completes a task. Every change commits with its events (outbox):
// TaskCreated (v2 by default, v1 by config) and TaskUpdated (CUD) to tasks-stream; TaskAdded, TaskAssigned and
// TaskCompleted (business) to tasks-lifecycle. Who is a worker it learns from the accounts topics (its own copy).
import type { PoolClient } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../../shared/app-error.js';
import { claimEvent, type EventHandler } from '../consumer.js';
import { INBOX_OUTBOX_SQL, type Migration } from '../db.js';
import type { Envelope } from '../events.js';
import { splitJiraId } from '../pricing.js';
import {
  createService,
  forbidden,
  identityOf,
  type CommonConfig,
  type LabEServiceHandle,
  type ServiceContext,
  type ServiceDeps,
  UUID_SCHEMA,
} from '../runtime.js';
import type { Role } from '../schema.js';

export interface TasksConfig extends CommonConfig {
  databaseUrl: string;
  /** which TaskCreated version this producer writes (2 by default) */
  taskCreatedVersion?: 1 | 2;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE accounts (
        public_id uuid PRIMARY KEY,
        email text NULL,
        full_name text NULL,
        role text NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX accounts_role_idx ON accounts (role);
      CREATE TABLE tasks (
        public_id uuid PRIMARY KEY,
        title text NOT NULL,
        jira_id text NULL,
        description text NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
        assignee_public_id uuid NOT NULL,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX tasks_assignee_idx ON tasks (assignee_public_id);
      ${INBOX_OUTBOX_SQL}
    `,
  },
];

interface TaskRow {
  public_id: string;
  title: string;
  jira_id: string | null;
  description: string;
  status: 'open' | 'done';
  assignee_public_id: string;
}

function taskJson(t: TaskRow) {
  return {
    public_id: t.public_id,
    title: t.title,
    jira_id: t.jira_id,
    description: t.description,
    status: t.status,
    assignee_public_id: t.assignee_public_id,
  };
}

export function createTasks(config: TasksConfig, deps: ServiceDeps = {}): LabEServiceHandle {
  const createdVersion = config.taskCreatedVersion ?? 2;
  const anyAssignee = config.brokenMode === 'any-assignee';
  const skipValidation = config.brokenMode === 'skip-validation';
  return createService({
    service: 'tasks',
    config,
    deps,
    migrations: MIGRATIONS,
    skipValidation,
    setup: (ctx) => {
      /** a random worker; broken mode any-assignee: a random account of any role */
      async function pickAssignee(client: PoolClient): Promise<string> {
        const { rows } = await client.query<{ public_id: string }>(
          anyAssignee
            ? 'SELECT public_id FROM accounts ORDER BY public_id'
            : "SELECT public_id FROM accounts WHERE role = 'worker' ORDER BY public_id",
        );
        if (rows.length === 0)
          throw new AppError('CONFLICT', 'no worker to assign the task to (sign a worker up first)');
        return rows[Math.min(rows.length - 1, Math.floor(ctx.random() * rows.length))]!.public_id;
      }

      async function assigned(
        client: PoolClient,
        task: TaskRow,
        previous: string | null,
        reason: 'created' | 'reshuffle',
      ) {
        const data = skipValidation
          ? // the bug of skip-validation: the field is misnamed and nothing checks it before it is sent
            {
              public_id: task.public_id,
              assignee_id: task.assignee_public_id,
              previous_assignee_public_id: previous,
              reason,
            }
          : {
              public_id: task.public_id,
              assignee_public_id: task.assignee_public_id,
              previous_assignee_public_id: previous,
              reason,
            };
        await ctx.writer.add(client, {
          topic: ctx.topics.tasksLifecycle,
          key: task.public_id,
          entityKind: 'task',
          name: 'TaskAssigned',
          version: 1,
          data,
        });
      }

      async function updated(client: PoolClient, task: TaskRow) {
        await ctx.writer.add(client, {
          topic: ctx.topics.tasksStream,
          key: task.public_id,
          entityKind: 'task',
          name: 'TaskUpdated',
          version: 1,
          data: taskJson(task),
        });
      }

      return {
        handler: accountsHandler(ctx),
        routes(app) {
          app.post<{ Body: { title: string; jira_id?: string; description: string } }>(
            '/tasks',
            {
              schema: {
                body: {
                  type: 'object',
                  required: ['title', 'description'],
                  additionalProperties: false,
                  properties: {
                    title: { type: 'string', minLength: 1, maxLength: 500 },
                    jira_id: { type: 'string', minLength: 1, maxLength: 50 },
                    description: { type: 'string', maxLength: 5000 },
                  },
                },
              },
            },
            async (req, reply) => {
              const me = identityOf(req);
              let { title, jira_id: jiraId } = req.body;
              if (jiraId === undefined) {
                const split = splitJiraId(title);
                if (split.jira_id !== null)
                  ({ title, jira_id: jiraId } = { title: split.title, jira_id: split.jira_id });
              }
              const publicId = uuidv7();
              const task = await ctx.tx(async (client) => {
                const assignee = await pickAssignee(client);
                const { rows } = await client.query<TaskRow>(
                  `INSERT INTO tasks (public_id, title, jira_id, description, assignee_public_id, created_by)
                   VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
                  [publicId, title, jiraId ?? null, req.body.description, assignee, me.publicId],
                );
                const t = rows[0]!;
                const created =
                  createdVersion === 1
                    ? {
                        public_id: t.public_id,
                        title: jiraId ? `[${jiraId}] ${title}` : title,
                        description: t.description,
                      }
                    : {
                        public_id: t.public_id,
                        title,
                        ...(jiraId ? { jira_id: jiraId } : {}),
                        description: t.description,
                      };
                await ctx.writer.add(client, {
                  topic: ctx.topics.tasksStream,
                  key: t.public_id,
                  entityKind: 'task',
                  name: 'TaskCreated',
                  version: createdVersion,
                  data: created,
                });
                await ctx.writer.add(client, {
                  topic: ctx.topics.tasksLifecycle,
                  key: t.public_id,
                  entityKind: 'task',
                  name: 'TaskAdded',
                  version: 1,
                  data: { public_id: t.public_id, title: t.title },
                });
                await assigned(client, t, null, 'created');
                return t;
              });
              return reply.status(201).send(taskJson(task));
            },
          );

          // who may reshuffle (manager, admin) is the gateway's check
          app.post('/tasks/reshuffle', async (req) => {
            identityOf(req);
            const changed = await ctx.tx(async (client) => {
              const { rows } = await client.query<TaskRow>(
                "SELECT * FROM tasks WHERE status = 'open' ORDER BY created_at, public_id FOR UPDATE",
              );
              const out: { public_id: string; assignee_public_id: string; previous_assignee_public_id: string }[] = [];
              for (const t of rows) {
                const previous = t.assignee_public_id;
                const assignee = await pickAssignee(client);
                await client.query(
                  'UPDATE tasks SET assignee_public_id = $2, updated_at = now() WHERE public_id = $1',
                  [t.public_id, assignee],
                );
                const next = { ...t, assignee_public_id: assignee };
                await assigned(client, next, previous, 'reshuffle');
                await updated(client, next);
                out.push({
                  public_id: t.public_id,
                  assignee_public_id: assignee,
                  previous_assignee_public_id: previous,
                });
              }
              return out;
            });
            return { reassigned: changed.length, tasks: changed };
          });

          app.post<{ Params: { public_id: string } }>(
            '/tasks/:public_id/complete',
            { schema: { params: { type: 'object', properties: { public_id: UUID_SCHEMA } } } },
            async (req) => {
              const me = identityOf(req);
              const { public_id } = req.params;
              const task = await ctx.tx(async (client) => {
                const { rows } = await client.query<TaskRow>('SELECT * FROM tasks WHERE public_id = $1 FOR UPDATE', [
                  public_id,
                ]);
                const t = rows[0];
                if (t === undefined) throw new AppError('NOT_FOUND', `task ${public_id} not found`);
                if (t.assignee_public_id !== me.publicId)
                  throw forbidden(`task ${public_id} is not assigned to you: only its assignee may complete it`, {
                    task: public_id,
                  });
                if (t.status === 'done') throw new AppError('CONFLICT', `task ${public_id} is already completed`);
                await client.query("UPDATE tasks SET status = 'done', updated_at = now() WHERE public_id = $1", [
                  public_id,
                ]);
                const done = { ...t, status: 'done' as const };
                await ctx.writer.add(client, {
                  topic: ctx.topics.tasksLifecycle,
                  key: public_id,
                  entityKind: 'task',
                  name: 'TaskCompleted',
                  version: 1,
                  data: { public_id, assignee_public_id: t.assignee_public_id },
                });
                await updated(client, done);
                return done;
              });
              return taskJson(task);
            },
          );

          app.get('/tasks/mine', async (req) => {
            const me = identityOf(req);
            const { rows } = await ctx.pool.query<TaskRow>(
              'SELECT * FROM tasks WHERE assignee_public_id = $1 ORDER BY created_at, public_id',
              [me.publicId],
            );
            return { tasks: rows.map(taskJson) };
          });
        },
      };
    },
  });
}

function accountsHandler(ctx: ServiceContext): EventHandler {
  return {
    supports: { AccountCreated: [1], AccountUpdated: [1], AccountRoleChanged: [1] },
    async handle(event: Envelope, where) {
      const d = event.data as { public_id: string; email?: string; full_name?: string; role: Role };
      const first = await ctx.tx(async (client) => {
        if (!(await claimEvent(client, event, where))) return false;
        if (event.event_name === 'AccountCreated')
          // a role change may have arrived first (another topic): keep its role
          await client.query(
            `INSERT INTO accounts (public_id, email, full_name, role) VALUES ($1, $2, $3, $4)
             ON CONFLICT (public_id) DO UPDATE SET email = EXCLUDED.email, full_name = EXCLUDED.full_name,
               role = COALESCE(accounts.role, EXCLUDED.role), updated_at = now()`,
            [d.public_id, d.email, d.full_name, d.role],
          );
        else if (event.event_name === 'AccountUpdated')
          await client.query(
            `INSERT INTO accounts (public_id, email, full_name, role) VALUES ($1, $2, $3, $4)
             ON CONFLICT (public_id) DO UPDATE SET email = EXCLUDED.email, full_name = EXCLUDED.full_name,
               role = EXCLUDED.role, updated_at = now()`,
            [d.public_id, d.email, d.full_name, d.role],
          );
        else
          await client.query(
            `INSERT INTO accounts (public_id, role) VALUES ($1, $2)
             ON CONFLICT (public_id) DO UPDATE SET role = EXCLUDED.role, updated_at = now()`,
            [d.public_id, d.role],
          );
        return true;
      });
      return { outcome: first ? 'applied' : 'duplicate', entity: d.public_id, entityKind: 'account' };
    },
  };
}
