// A connection profile as the stack sees it: the endpoints of the components it names (with its Kafka SASL/TLS), and
// which components those are. The external provider probes only these; the others are "not in this profile".
import type { ConnectionProfile } from '../../contract/profiles.js';
import type { KafkaSecurity } from '../kafka-security.js';
import type { ComponentName, StackEndpoints } from '../types.js';
import { COMPONENT_NAMES } from '../types.js';

/** The components a profile names, in the stack's order. */
export function profileComponents(profile: ConnectionProfile): ComponentName[] {
  return COMPONENT_NAMES.filter((c) => profile[c] !== undefined);
}

export function kafkaSecurityOf(profile: ConnectionProfile): KafkaSecurity | undefined {
  const k = profile.kafka;
  if (k === undefined || (k.sasl === undefined && k.tls === undefined)) return undefined;
  return {
    ...(k.sasl === undefined ? {} : { sasl: k.sasl }),
    ...(k.tls === undefined ? {} : { tls: k.tls }),
  };
}

/**
 * The endpoints of a profile. A component the profile does not name has an empty address: the console starts no
 * observer for it (it is never healthy), and a lab that needs it is refused when the profile is saved.
 */
export function endpointsOfProfile(profile: ConnectionProfile): StackEndpoints {
  const security = kafkaSecurityOf(profile);
  return {
    kafka: { brokers: profile.kafka?.brokers ?? [], ...(security === undefined ? {} : { security }) },
    postgres: { url: profile.postgres?.url ?? '' },
    rabbitmq: {
      url: profile.rabbitmq?.url ?? '',
      ...(profile.rabbitmq?.managementUrl === undefined ? {} : { managementUrl: profile.rabbitmq.managementUrl }),
    },
    mongodb: { url: profile.mongodb?.url ?? '' },
    redis: { url: profile.redis?.url ?? '' },
  };
}
