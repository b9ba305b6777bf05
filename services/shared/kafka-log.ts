// Bridges kafkajs' own logging into a pino logger (kafkajs `logCreator`).
import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from './logger.js';

export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...extra } = log;
      const child = { ...extra, kafka: true };
      switch (level) {
        case logLevel.ERROR:
          logger.error(child, message);
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
