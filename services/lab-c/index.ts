// Lab C's services for the standalone runner and the console's supervisor: `npm run service -- lab-c/orders` (run it
// three times, PORT=8091/8092/8093), `lab-c/payments` (×3, PORT=8094/8095/8096), `lab-c/gateway` (8090); `lab-c/all`
// runs the seven in one process on the default ports.
import type { Runnable, ServiceEntries } from '../shared/service-entry.js';
import type { Logger } from '../shared/logger.js';
import { gatewayConfigFromEnv, ordersConfigFromEnv, paymentsConfigFromEnv } from './config.js';
import { createLabCGateway } from './gateway.js';
import { createOrders } from './orders.js';
import { createPayments } from './payments.js';
import { DEFAULT_PORTS } from './schema.js';

export { LAB_C_BROKEN_MODES } from './broken-modes.js';

function createAll(all: NodeJS.ProcessEnv, logger: Logger, onFatal: (e: Error) => void): Runnable {
  // one DATABASE_URL cannot serve both services: each gets its own database on LAB_C_PG_URL's server
  const { DATABASE_URL: _db, ...env } = all;
  const orders = DEFAULT_PORTS.orders.map((port, i) =>
    createOrders(
      { ...ordersConfigFromEnv({ ...env, PORT: String(port) }), instance: `orders-${i + 1}` },
      { logger: logger.child({ instance: `orders-${i + 1}` }), onFatal },
    ),
  );
  const payments = DEFAULT_PORTS.payments.map((port, i) =>
    createPayments(
      { ...paymentsConfigFromEnv({ ...env, PORT: String(port) }), instance: `payments-${i + 1}` },
      { logger: logger.child({ instance: `payments-${i + 1}` }), onFatal },
    ),
  );
  const gateway = createLabCGateway(gatewayConfigFromEnv(env), { logger: logger.child({ instance: 'gateway' }) });
  const backends = [...orders, ...payments];
  return {
    async start() {
      // one replica first: it creates the database and the topics the others then find
      await orders[0]!.start();
      await payments[0]!.start();
      await Promise.all(backends.slice(1).map((s) => s.start()));
      await gateway.start();
    },
    async stop() {
      await gateway.stop();
      await Promise.allSettled(backends.map((s) => s.stop()));
    },
  };
}

export const services: ServiceEntries = {
  orders: {
    describe:
      'Lab C orders (one replica; run three): orders API, outbox to orders-events, payments-events consumer, SSE via Redis',
    create: (env, { logger, onFatal }) => createOrders(ordersConfigFromEnv(env), { logger, onFatal }),
  },
  payments: {
    describe:
      'Lab C payments (one replica; run three): accounts API, order.created → exactly-once payment, outbox to payments-events',
    create: (env, { logger, onFatal }) => createPayments(paymentsConfigFromEnv(env), { logger, onFatal }),
  },
  gateway: {
    describe: 'Lab C gateway on 8090: /orders-api and /payments-api spread over the replicas, CORS, the event stream',
    create: (env, { logger }) => createLabCGateway(gatewayConfigFromEnv(env), { logger }),
  },
  all: {
    describe: 'Lab C: orders ×3, payments ×3 and the gateway in one process (convenience)',
    create: (env, { logger, onFatal }) => createAll(env, logger, onFatal),
  },
};
