import { describe, expect, it } from 'vitest';
import { logLevel } from 'kafkajs';
import { createMemoryLogger } from './logger.js';
import { isTransientResponseError, kafkaLogCreator } from './kafka-log.js';

const response = (error: string) => ({
  namespace: 'Connection',
  label: 'ERROR',
  level: logLevel.ERROR,
  log: { timestamp: 'x', message: 'Response FindCoordinator(key: 10, version: 2)', error },
});

describe('kafkajs logs into pino', () => {
  it('logs the broker answers kafkajs retries (a fresh coordinator loading, no leader yet) at debug', () => {
    const { logger, lines } = createMemoryLogger();
    const log = kafkaLogCreator(logger)(logLevel.DEBUG);
    log(response("The coordinator is loading and hence can't process requests for this group"));
    log(response('There is no leader for this topic-partition as we are in the middle of a leadership election'));
    expect(lines.map((l) => l.level)).toEqual([20, 20]);
  });

  it('keeps errors kafkajs does not retry, and everything else, at their level', () => {
    const { logger, lines } = createMemoryLogger();
    const log = kafkaLogCreator(logger)(logLevel.DEBUG);
    log(response('Not authorized to access group'));
    log({ ...response('x'), log: { timestamp: 'x', message: 'Crash: KafkaJSNumberOfRetriesExceeded' } });
    log({ namespace: 'Producer', label: 'WARN', level: logLevel.WARN, log: { timestamp: 'x', message: 'w' } });
    expect(lines.map((l) => l.level)).toEqual([50, 50, 40]);
    expect(isTransientResponseError('Crash', { error: 'The group coordinator is not available' })).toBe(false);
  });
});
