import {
  KafkaJSConnectionError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { describeFailure, isBrokerUnavailable, reconnectDelayMs } from './kafka-group-member.js';

// Built the way kafkajs builds them (src/retry/index.js, src/errors.js); its typings leave out some constructor arguments.
type AnyErrorClass = new (...args: unknown[]) => Error;
const make = (Class: unknown, ...args: unknown[]): Error => new (Class as AnyErrorClass)(...args);
/** what kafkajs' retrier throws for a non-retriable error: a KafkaJSNonRetriableError caused by it */
const nonRetriable = (e: Error): Error => make(KafkaJSNonRetriableError, e, { cause: e });
const protocol = (type: string, retriable: boolean): Error =>
  make(KafkaJSProtocolError, { message: type.toLowerCase(), type, code: 1, retriable });
const refused = (): Error =>
  make(KafkaJSConnectionError, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092', { code: 'ECONNREFUSED' });

describe('isBrokerUnavailable', () => {
  it.each([
    [
      'kafkajs out of retries on a refused connection',
      () => make(KafkaJSNumberOfRetriesExceeded, refused(), { retryCount: 5, retryTime: 4800 }),
    ],
    // kafkajs itself does not restart on this one (the root cause is non-retriable): the notifier must
    [
      'no group coordinator while the broker is away',
      () => nonRetriable(make(KafkaJSGroupCoordinatorNotFound, 'Failed to find group coordinator')),
    ],
    // kafkajs' typings leave this class out; the runner bails with it when no broker is connected
    [
      'no broker available',
      () => Object.assign(new Error('No broker available'), { name: 'KafkaJSNoBrokerAvailableError', retriable: true }),
    ],
    ['a bare connection error', refused],
    ['a socket error', () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['a retriable protocol error (coordinator moved)', () => nonRetriable(protocol('NOT_COORDINATOR_FOR_GROUP', true))],
    ['a membership error a fresh member does not have', () => nonRetriable(protocol('UNKNOWN_MEMBER_ID', false))],
  ])('%s: the broker is away, reconnect', (_what, error) => {
    expect(isBrokerUnavailable(error())).toBe(true);
  });

  it.each([
    ['a session timeout the broker refuses', () => nonRetriable(protocol('INVALID_SESSION_TIMEOUT', false))],
    ['no rights on the group', () => nonRetriable(protocol('GROUP_AUTHORIZATION_FAILED', false))],
    ['SASL failure', () => make(KafkaJSSASLAuthenticationError, 'SASL PLAIN authentication failed')],
    ['no brokers configured', () => make(KafkaJSNonRetriableError, 'Failed to connect: brokers array is empty')],
    ['a bug', () => new TypeError("Cannot read properties of undefined (reading 'offset')")],
    ['something that is not an error', () => 'boom'],
  ])('%s: fatal', (_what, error) => {
    expect(isBrokerUnavailable(error())).toBe(false);
  });
});

describe('reconnectDelayMs', () => {
  it('starts at the initial wait, doubles per failed attempt and stays at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => reconnectDelayMs(n, 1000, 10_000))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
    expect(reconnectDelayMs(0, 1000, 10_000)).toBe(1000);
  });
});

describe('describeFailure', () => {
  it('names the root cause when the wrapper says something else', () => {
    expect(describeFailure(refused())).toBe('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    const wrapped = Object.assign(new Error('Crash while joining'), { cause: refused() });
    expect(describeFailure(wrapped)).toBe(
      'Crash while joining (Connection error: connect ECONNREFUSED 127.0.0.1:9092)',
    );
    expect(describeFailure('boom')).toBe('boom');
  });
});
