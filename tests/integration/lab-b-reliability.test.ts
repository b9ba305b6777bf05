// Lab B's reliability parts against the real RabbitMQ: an unroutable publish is returned and reported (and silently
// dropped in the no-mandatory mode), a poison message ends in lab-b.dead with its reason while the consumer goes on
// (and loops in the requeue-poison mode), the same event id twice gives one audit row (two in the no-dedupe mode), the
// notification work queue hands each message to exactly one instance, and a consumer and a publisher come back after
// their connection is cut (a TCP proxy between them and the broker).
import { randomUUID } from 'node:crypto';
import amqp, { type Options } from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoginEvent, VacationStatusChanged } from '../../services/lab-b/schema.js';
import { waitFor } from '../../services/shared/wait.js';
import { LabBWorld, ofType } from './lab-b/harness.js';
import { TcpProxy } from './support/tcp-proxy.js';

function loginEvent(outcome: 'succeeded' | 'failed' = 'failed', eventId = randomUUID()): LoginEvent {
  return { event_id: eventId, user_id: null, email: 'x@example.org', outcome, at: new Date().toISOString() };
}

function vacationEvent(requestId = randomUUID()): VacationStatusChanged {
  return {
    event_id: randomUUID(),
    request_id: requestId,
    user_id: 'u1',
    from_status: null,
    to_status: 'submitted',
    at: new Date().toISOString(),
  };
}

const worlds: LabBWorld[] = [];
async function world(): Promise<LabBWorld> {
  const w = await LabBWorld.create();
  worlds.push(w);
  return w;
}

afterEach(async () => {
  await Promise.allSettled(worlds.splice(0).map((w) => w.dispose()));
});

describe('lab-b unroutable publish', () => {
  it('is returned and reported when no queue is bound; the login still answers', async () => {
    const w = await world();
    const auth = await w.start('auth'); // nobody declared audit.auth: auth.login.* routes nowhere
    const res = await fetch(`${auth.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@example.org', password: 'x' }),
    });
    expect(res.status).toBe(401);
    const returned = await waitFor(() => ofType(auth.lines, 'returned')[0], {
      timeoutMs: 5000,
      what: 'a returned line',
    });
    expect(returned).toMatchObject({
      exchange: w.name('auth.events'),
      routing_key: 'auth.login.failed',
      reply_code: 312,
      reply_text: 'NO_ROUTE',
      entity: 'login',
    });
    expect(returned.event_id).toBe(returned.entity_id);
    expect(ofType(auth.lines, 'published').filter((l) => l.entity === 'login')).toEqual([]);
    expect(auth.bad).toEqual([]);
  });

  it('is dropped without a word in the no-mandatory mode (invariant 5 fails)', async () => {
    const w = await world();
    const auth = await w.start('auth', { LAB_BROKEN_MODE: 'no-mandatory' });
    const res = await fetch(`${auth.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@example.org', password: 'x' }),
    });
    expect(res.status).toBe(401);
    const pub = ofType(auth.lines, 'published').find((l) => l.entity === 'login');
    expect(pub).toMatchObject({ confirmed: false, mandatory: false, mode: 'no-mandatory' });
    expect(ofType(auth.lines, 'returned')).toEqual([]);
    expect(auth.bad).toEqual([]);
  });
});

describe('lab-b poison messages', () => {
  it('go to lab-b.dead with their reason, and the consumer keeps consuming', async () => {
    const w = await world();
    const audit = await w.start('audit');
    await w.publishRaw('auth.events', 'auth.login.failed', 'not json at all', 'poison-1');
    await w.publishRaw('auth.events', 'auth.login.succeeded', JSON.stringify({ event_id: 'poison-2', email: 'x' }));
    const good = loginEvent('succeeded');
    await w.publishJson('auth.events', 'auth.login.succeeded', good);

    await waitFor(
      async () => (await w.query(`SELECT 1 FROM audit_events WHERE event_id = $1`, [good.event_id])).length === 1,
      { timeoutMs: 10_000, what: 'the good event audited after the poison ones' },
    );
    // the failed-login poison reached both queues (fan-out): three dead letters
    await waitFor(() => ofType(audit.lines, 'dead_lettered').length === 3, {
      timeoutMs: 10_000,
      what: '3 dead letters',
    });
    const dead = await waitFor(
      async () => {
        const got = await w.drain('lab-b.dead');
        return got.length > 0 ? got : undefined;
      },
      { timeoutMs: 5000, what: 'messages in lab-b.dead' },
    );
    const more = await w.drain('lab-b.dead');
    const all = [...dead, ...more];
    expect(all).toHaveLength(3);
    const headers = all.map((m) => m.properties.headers as Record<string, unknown>);
    const byQueue = headers.map((h) => `${String(h['x-original-queue'])}: ${String(h['x-poison-reason'])}`).sort();
    expect(byQueue[0]).toMatch(new RegExp(`^${w.name('audit.auth')}: not JSON`));
    expect(
      byQueue.some((s) => s.startsWith(w.name('audit.auth')) && /unexpected shape: (user_id|outcome|at)/.test(s)),
    ).toBe(true);
    expect(byQueue.some((s) => s.startsWith(w.name('security.failed-logins')) && s.includes('not JSON'))).toBe(true);
    expect(headers.every((h) => h['x-poison-code'] === 'POISON_MESSAGE')).toBe(true);
    const lines = ofType(audit.lines, 'dead_lettered');
    expect(lines.every((l) => l.via === 'publish' && l.dead_letter_exchange === w.name('lab-b.dlx'))).toBe(true);
    expect(lines.find((l) => l.event_id === 'poison-1')).toBeDefined();
    expect(audit.bad).toEqual([]);
  });

  it('loop in the requeue-poison mode and never reach lab-b.dead (invariant 6 fails)', async () => {
    const w = await world();
    const audit = await w.start('audit', { LAB_BROKEN_MODE: 'requeue-poison' });
    await w.publishRaw('auth.events', 'auth.login.succeeded', '{{{', 'loop-1');
    await waitFor(() => ofType(audit.lines, 'requeued').filter((l) => l.event_id === 'loop-1').length >= 3, {
      timeoutMs: 10_000,
      what: 'the poison message requeued three times',
    });
    const deliveries = ofType(audit.lines, 'delivered').filter((l) => l.event_id === 'loop-1');
    expect(deliveries.slice(1).every((d) => d.redelivered)).toBe(true);
    expect(ofType(audit.lines, 'dead_lettered')).toEqual([]);
    expect(await w.queueDepth('lab-b.dead')).toBe(0);
    await audit.stop();
  });
});

describe('lab-b dedupe by event id', () => {
  it('the same event id twice gives one audit row and a duplicate line', async () => {
    const w = await world();
    const audit = await w.start('audit');
    const e = loginEvent('succeeded');
    await w.publishJson('auth.events', 'auth.login.succeeded', e);
    await w.publishJson('auth.events', 'auth.login.succeeded', e);
    await waitFor(() => ofType(audit.lines, 'duplicate').length === 1, { timeoutMs: 10_000, what: 'a duplicate line' });
    expect(await w.query(`SELECT id FROM audit_events WHERE event_id = $1`, [e.event_id])).toHaveLength(1);
    expect(ofType(audit.lines, 'acked').filter((a) => a.event_id === e.event_id)).toHaveLength(2);
  });

  it('gives two rows in the no-dedupe mode (invariant 2 fails)', async () => {
    const w = await world();
    const audit = await w.start('audit', { LAB_BROKEN_MODE: 'no-dedupe' });
    const e = loginEvent('succeeded');
    await w.publishJson('auth.events', 'auth.login.succeeded', e);
    await w.publishJson('auth.events', 'auth.login.succeeded', e);
    await waitFor(() => ofType(audit.lines, 'acked').length === 2, { timeoutMs: 10_000, what: 'two acks' });
    expect(await w.query(`SELECT id FROM audit_events WHERE event_id = $1`, [e.event_id])).toHaveLength(2);
    expect(ofType(audit.lines, 'duplicate')).toEqual([]);
  });
});

describe('lab-b work queue', () => {
  it('hands each vacation change to exactly one of the two notification instances', async () => {
    const w = await world();
    const [n1, n2] = await Promise.all([
      w.start('notification', { INSTANCE: 'notification-1', AMQP_PREFETCH: '1', WORK_DELAY_MS: '20' }),
      w.start('notification', { INSTANCE: 'notification-2', AMQP_PREFETCH: '1', WORK_DELAY_MS: '20' }),
    ]);
    const events = Array.from({ length: 12 }, () => vacationEvent());
    for (const e of events) await w.publishJson('vacation.events', 'vacation.request.status_changed', e);
    const sent = () => [...ofType(n1.lines, 'notification_sent'), ...ofType(n2.lines, 'notification_sent')];
    await waitFor(() => sent().length >= events.length, { timeoutMs: 15_000, what: 'every change notified' });
    expect(
      sent()
        .map((s) => s.event_id)
        .sort(),
    ).toEqual(events.map((e) => e.event_id).sort());
    const per = [n1, n2].map((n) => ofType(n.lines, 'notification_sent').length);
    expect(per.every((n) => n > 0)).toBe(true);
    expect(new Set(ofType(n1.lines, 'notification_sent').map((s) => s.instance))).toEqual(new Set(['notification-1']));
    expect(ofType(n2.lines, 'delivered').every((d) => d.queue === w.name('notification.vacation'))).toBe(true);
  });
});

describe('lab-b reconnection', () => {
  it('a consumer and a publisher come back after their connection is dropped; nothing is lost or doubled', async () => {
    const w = await world();
    const target = TcpProxy.target(w.amqpUrl);
    const proxy = new TcpProxy(target.host, target.port);
    await proxy.start();
    try {
      const viaProxy = { AMQP_URL: proxy.via(w.amqpUrl), PUBLISH_TIMEOUT_MS: '1000' };
      const audit = await w.start('audit', viaProxy);
      const auth = await w.start('auth', viaProxy);
      await w.consuming(audit, 2);

      await proxy.cut();
      await waitFor(() => ofType(audit.lines, 'lifecycle').some((l) => l.state === 'reconnecting'), {
        timeoutMs: 10_000,
        what: 'audit reconnecting',
      });
      // while audit is away, events pile up in its durable queue (published straight to the broker)
      const during = [loginEvent('failed'), loginEvent('succeeded'), loginEvent('failed')];
      for (const e of during) await w.publishJson('auth.events', `auth.login.${e.outcome}`, e);
      // a login while auth cannot reach the broker: 503, not a login without its audit event
      const down = await fetch(`${auth.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'nobody@example.org', password: 'x' }),
      });
      expect(down.status).toBe(503);
      expect(((await down.json()) as { code: string }).code).toBe('BROKER_UNAVAILABLE');

      await proxy.restore();
      await waitFor(() => ofType(audit.lines, 'lifecycle').filter((l) => l.state === 'consuming').length >= 4, {
        timeoutMs: 15_000,
        what: 'audit consuming both queues again',
      });
      const rows = await waitFor(
        async () => {
          const r = await w.query<{ event_id: string }>(`SELECT event_id FROM audit_events`);
          return r.length >= during.length ? r : undefined;
        },
        { timeoutMs: 10_000, what: 'the events sent during the outage audited' },
      );
      expect(rows.map((r) => r.event_id).sort()).toEqual(during.map((e) => e.event_id).sort());

      const up = await waitFor(
        async () => {
          const r = await fetch(`${auth.url}/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: 'nobody@example.org', password: 'x' }),
          });
          return r.status === 401 ? r : undefined;
        },
        { timeoutMs: 10_000, what: 'auth publishing again' },
      );
      expect(up.status).toBe(401);
      await waitFor(async () => (await w.query(`SELECT 1 FROM audit_events`)).length === during.length + 1, {
        timeoutMs: 10_000,
        what: 'the login after the outage audited',
      });
      const states = ofType(audit.lines, 'lifecycle').map((l) => l.state);
      expect(states).toContain('disconnected');
      expect(states.lastIndexOf('connected')).toBeGreaterThan(states.indexOf('disconnected'));
    } finally {
      await proxy.stop();
    }
  });
});

describe('lab-b declarations', () => {
  /** declares on a throwaway channel: a 406 closes the channel, not the test's connection */
  async function declare(w: LabBWorld, queue: string, options: Options.AssertQueue): Promise<string> {
    const conn = await amqp.connect(w.amqpUrl);
    try {
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      await ch.assertQueue(w.name(queue), options);
      await ch.close();
      return 'ok';
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return typeof code === 'number' ? String(code) : (err as Error).message;
    } finally {
      await conn.close().catch(() => undefined);
    }
  }

  it("declare user_registered as the seed's pika code does, so that code can declare it too", async () => {
    const w = await world();
    await w.start('auth');
    // pika's queue_declare(queue='user_registered'): durable=False, exclusive=False, auto_delete=False, no arguments
    expect(await declare(w, 'user_registered', { durable: false, exclusive: false, autoDelete: false })).toBe('ok');
    expect(await declare(w, 'user_registered', { durable: true })).toBe('406');
  });

  it("take the seed's own publish (default exchange, no message id, not persistent) into a profile", async () => {
    const w = await world();
    const users = await w.start('users');
    const ch = await w.channel();
    // what the seed's publish_user_registered does: basic_publish(exchange='', routing_key='user_registered', body)
    ch.sendToQueue(w.name('user_registered'), Buffer.from(JSON.stringify({ user_id: 'seed-42', email: 's@x.io' })));
    await waitFor(async () => (await w.query(`SELECT 1 FROM user_profiles WHERE user_id = 'seed-42'`)).length === 1, {
      timeoutMs: 10_000,
      what: 'the profile of the seed-published user',
    });
    const acked = await waitFor(() => ofType(users.lines, 'acked')[0], { timeoutMs: 5000, what: 'the ack' });
    expect(acked).toMatchObject({ event_id: 'user_registered:seed-42', entity: 'user', entity_id: 'seed-42' });
  });

  it('declare durable work queues with the dead-letter exchange; not durable in the non-durable mode', async () => {
    const w = await world();
    await w.start('audit');
    const dlx = { 'x-dead-letter-exchange': w.name('lab-b.dlx') };
    expect(await declare(w, 'audit.auth', { durable: true, arguments: dlx })).toBe('ok');

    const broken = await world();
    const auth = await broken.start('auth', { LAB_BROKEN_MODE: 'non-durable' });
    await broken.start('audit', { LAB_BROKEN_MODE: 'non-durable' });
    const bdlx = { 'x-dead-letter-exchange': broken.name('lab-b.dlx') };
    expect(await declare(broken, 'audit.auth', { durable: true, arguments: bdlx })).toBe('406');
    expect(await declare(broken, 'audit.auth', { durable: false, arguments: bdlx })).toBe('ok');
    await fetch(`${auth.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@example.org', password: 'x' }),
    });
    const pub = await waitFor(() => ofType(auth.lines, 'published').find((l) => l.entity === 'login'), {
      timeoutMs: 5000,
      what: 'the login published',
    });
    expect(pub).toMatchObject({ persistent: false, confirmed: true, mode: 'non-durable' });
  });
});
