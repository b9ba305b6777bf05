// Lab B's faults (LABS.md, Lab B; issue 11): restart the broker, stop a consumer and watch its queue grow, publish an
// unroutable message, publish a poison message. Killing a consumer that holds unacked messages is the Stack view's Kill
// on `notification-1` (with a work delay set, EVENTSCOPE_LAB_B_WORK_DELAY_MS, it holds some): a lab fault gets no kill.
// The two publishes go through a connection of the fault's own, with confirms and `mandatory`, so each says what the
// broker did with the message (returned NO_ROUTE, or routed).
import { randomUUID } from 'node:crypto';
import amqp, { type ConsumeMessage } from 'amqplib';
import { AppError } from '../../../../services/shared/app-error.js';
import { EXCHANGES, QUEUES, ROUTING_KEYS } from '../../../../services/lab-b/schema.js';
import type { ManifestFault } from '../../contract/manifest.js';
import type { LabContext, LabFault } from '../types.js';

/** a routing key no binding of auth.events matches (its queues are bound to `auth.login.*`) */
export const UNROUTABLE_KEY = 'auth.unrouted.eventscope-fault';
/** the body of the poison message: not JSON */
export const POISON_BODY = 'eventscope poison: this is not JSON {';
/** the instances "stop a consumer" may stop, and the queue each one's stop lets grow */
export const CONSUMER_QUEUES: Readonly<Record<string, readonly string[]>> = {
  audit: [QUEUES.auditAuth, QUEUES.failedLogins],
  reports: [QUEUES.reportsAuth, QUEUES.reportsVacation],
  users: [QUEUES.userRegistered],
  vacation: [QUEUES.vacationUsers],
};

export const LAB_B_FAULT_INFO: readonly ManifestFault[] = [
  {
    id: 'restart-broker',
    label: 'Restart the broker',
    description:
      "Stops and starts RabbitMQ (only the stack's own node, never a shared server): the services reconnect with backoff and declare again; durable queues keep their persistent messages and unacked ones come back redelivered.",
  },
  {
    id: 'stop-consumer',
    label: 'Stop a consumer',
    description:
      'Stops one consumer instance (audit by default): its queue grows in the Queues view while the other copies of each event are still handled. Start it again from the Stack view and watch the queue drain.',
    args: { instance: `the instance to stop: ${Object.keys(CONSUMER_QUEUES).join(', ')}` },
  },
  {
    id: 'unroutable',
    label: 'Publish an unroutable message',
    description: `Publishes a message to auth.events with routing key ${UNROUTABLE_KEY}, which no queue is bound for, with mandatory set: the broker returns it (312 NO_ROUTE) instead of dropping it.`,
  },
  {
    id: 'poison',
    label: 'Publish a poison message',
    description:
      'Publishes a message that is not JSON to vacation.events (vacation.request.status_changed): notification and reports dead-letter it to lab-b.dlx with its reason (lab-b.dead) and keep consuming.',
  },
];

/** publishes one message with confirms and mandatory; says whether the broker returned it */
async function publishOnce(
  ctx: LabContext,
  exchange: string,
  routingKey: string,
  content: Buffer,
  contentType: string,
): Promise<{ messageId: string; returned: { replyCode: number; replyText: string } | undefined }> {
  const conn = await amqp.connect(ctx.endpoints().rabbitmq.url, { timeout: 3000 });
  conn.on('error', () => undefined);
  try {
    const ch = await conn.createConfirmChannel();
    ch.on('error', () => undefined);
    const messageId = randomUUID();
    let returned: { replyCode: number; replyText: string } | undefined;
    ch.on('return', (msg: ConsumeMessage) => {
      const f = msg.fields as unknown as { replyCode?: number; replyText?: string };
      if (msg.properties.messageId === messageId)
        returned = { replyCode: f.replyCode ?? 312, replyText: f.replyText ?? 'NO_ROUTE' };
    });
    await new Promise<void>((resolve, reject) => {
      ch.publish(
        exchange,
        routingKey,
        content,
        { messageId, contentType, persistent: true, mandatory: true, headers: { 'x-eventscope-fault': true } },
        (err) => (err ? reject(new AppError('BROKER_UNAVAILABLE', `RabbitMQ did not take the message`)) : resolve()),
      );
    });
    // the broker sends basic.return before the confirm of the same message: known by now
    return { messageId, returned };
  } finally {
    await conn.close().catch(() => undefined);
  }
}

export function labBFaults(prefix: string): LabFault[] {
  const named = (name: string) => `${prefix}${name}`;
  return [
    {
      id: 'restart-broker',
      run: async (ctx) => {
        const stack = ctx.stack;
        if (stack?.restart === undefined)
          throw new AppError('CONFLICT', 'the console has no control of this stack: it cannot restart RabbitMQ');
        const t0 = Date.now();
        await stack.restart('rabbitmq');
        return `RabbitMQ restarted in ${((Date.now() - t0) / 1000).toFixed(1)} s: the services reconnect and declare their queues again; look for redelivered messages`;
      },
    },
    {
      id: 'stop-consumer',
      run: async (ctx, args) => {
        const instance = args.instance === undefined || args.instance === '' ? 'audit' : String(args.instance);
        const queues = CONSUMER_QUEUES[instance];
        if (queues === undefined)
          throw new AppError(
            'INVALID_INPUT',
            `instance: one of ${Object.keys(CONSUMER_QUEUES).join(', ')}, not ${JSON.stringify(instance)}`,
            { field: 'instance' },
          );
        if (ctx.services === undefined) throw new AppError('CONFLICT', 'the console runs no Lab B instances here');
        await ctx.services.stop(instance);
        const list = queues.map(named).join(' and ');
        return `${instance} stopped: ${list} ${queues.length > 1 ? 'grow' : 'grows'} while it is away (Queues view); start ${instance} again and ${queues.length > 1 ? 'they drain' : 'it drains'}`;
      },
    },
    {
      id: 'unroutable',
      run: async (ctx) => {
        const exchange = named(EXCHANGES.auth);
        const body = { event_id: randomUUID(), fault: 'unroutable', at: new Date().toISOString() };
        const r = await publishOnce(
          ctx,
          exchange,
          UNROUTABLE_KEY,
          Buffer.from(JSON.stringify(body)),
          'application/json',
        );
        return r.returned
          ? `published ${r.messageId} to ${exchange} with key ${UNROUTABLE_KEY}: returned ${r.returned.replyCode} ${r.returned.replyText} (mandatory), not dropped`
          : `published ${r.messageId} to ${exchange} with key ${UNROUTABLE_KEY}: routed (a queue is bound for it), not returned`;
      },
    },
    {
      id: 'poison',
      run: async (ctx) => {
        const exchange = named(EXCHANGES.vacation);
        const r = await publishOnce(
          ctx,
          exchange,
          ROUTING_KEYS.vacationStatusChanged,
          Buffer.from(POISON_BODY),
          'application/json',
        );
        if (r.returned)
          return `published ${r.messageId} to ${exchange}: returned ${r.returned.replyCode} ${r.returned.replyText}: no queue is bound yet (start the consumers)`;
        return `published ${r.messageId} (not JSON) to ${exchange}: notification and reports should dead-letter it to ${named(EXCHANGES.deadLetter)} → ${named(QUEUES.dead)} with its reason and go on`;
      },
    },
  ];
}
