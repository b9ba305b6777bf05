// Bridges kafkajs' own logging into a pino logger (kafkajs `logCreator`).
//
// kafkajs logs every error response of the broker at ERROR (`Response FindCoordinator(key: 10, version: 2)` with the
// protocol error), also the ones it treats as transient and retries: "The coordinator is loading", "There is no leader
// for this topic-partition", … A fresh broker answers a new producer or group with those while it creates its internal
// topics, so every first start would log errors for a condition that is normal and that kafkajs waits out. Those lines go
// to debug here; when the retries run out, the caller gets the error and reports it. Non-retriable protocol errors
// (authorisation, a bad session timeout, …) stay at ERROR.
import { logLevel, type logCreator } from 'kafkajs';
import protocol from 'kafkajs/src/protocol/error.js';
import type { Logger } from './logger.js';

/** The messages of the protocol errors kafkajs retries (from kafkajs' own table, so that no spelling can drift). */
const RETRIABLE_PROTOCOL_MESSAGES: ReadonlySet<string> = new Set(
  protocol.errorCodes.filter((e) => e.retriable).map((e) => e.message),
);

/** A broker's error response that kafkajs retries (logged by its connection before the retry). */
export function isTransientResponseError(message: string, extra: Record<string, unknown>): boolean {
  return (
    message.startsWith('Response ') && typeof extra.error === 'string' && RETRIABLE_PROTOCOL_MESSAGES.has(extra.error)
  );
}

export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...extra } = log;
      const child = { ...extra, kafka: true };
      switch (level) {
        case logLevel.ERROR:
          if (isTransientResponseError(message, extra)) logger.debug(child, message);
          else logger.error(child, message);
          break;
        case logLevel.WARN:
          logger.warn(child, message);
          break;
        case logLevel.INFO:
          logger.info(child, message);
          break;
        default:
          logger.debug(child, message);
      }
    };
}
