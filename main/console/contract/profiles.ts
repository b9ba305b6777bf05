// Connection profiles: where a real cluster is and how to log in (Kafka brokers with SASL and TLS, RabbitMQ over
// amqp:// or amqps:// with its management URL, Postgres, MongoDB, Redis). A profile names only the components it has:
// a Kafka-only "cluster" profile is valid; a profile for a lab must have the components that lab uses.
// Secrets (the SASL password, the password inside a URL) go in with a save and never come back: the renderer sees
// "set" / "not set" per secret field. zod only: this module is compiled into the DOM build too.
import { z } from 'zod';
import { Empty, Millis, Slug, def } from './define.js';

/** a broker address: host:port, or [IPv6]:port */
export const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9._-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'must be host:port (broker.example.com:9093)');

/** a URL of one of `protocols` ('postgres:', …), at most 2 048 characters */
export function urlWith(protocols: string[]) {
  return z
    .string()
    .max(2048)
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
    );
}

const filePath = z.string().min(1, 'a file path').max(4096);

export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export const SaslMechanism = z.enum(SASL_MECHANISMS);
export type SaslMechanism = z.infer<typeof SaslMechanism>;

export const KafkaSaslProfile = z
  .object({
    mechanism: SaslMechanism,
    username: z.string().min(1, 'a user name').max(256),
    /** write-only: absent in a save keeps the stored one */
    password: z.string().min(1).max(4096).optional(),
  })
  .strict();

export const KafkaTlsProfile = z
  .object({
    /** the CA certificates (PEM) the brokers' certificates are checked against (absent: the system's CAs) */
    caFile: filePath.optional(),
    /** a client certificate (PEM) and its key (PEM), for brokers that ask for one (mutual TLS) */
    certFile: filePath.optional(),
    keyFile: filePath.optional(),
    /** accept any broker certificate: no check at all (the UI marks it in red) */
    insecure: z.boolean().default(false),
  })
  .strict()
  .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
    message: 'a client certificate needs its key, and a key its certificate',
    path: ['keyFile'],
  });

export const KafkaProfile = z
  .object({
    brokers: z.array(hostPort).min(1, 'needs at least one bootstrap broker').max(64),
    sasl: KafkaSaslProfile.optional(),
    /** present: the brokers speak TLS (SSL or SASL_SSL listeners) */
    tls: KafkaTlsProfile.optional(),
  })
  .strict();

export const ConnectionProfile = z
  .object({
    name: Slug,
    /** the lab this profile runs (its components must all be here); absent: a plain cluster profile */
    lab: Slug.optional(),
    kafka: KafkaProfile.optional(),
    rabbitmq: z
      .object({
        url: urlWith(['amqp:', 'amqps:']),
        managementUrl: urlWith(['http:', 'https:']).optional(),
      })
      .strict()
      .optional(),
    postgres: z
      .object({ url: urlWith(['postgres:', 'postgresql:']) })
      .strict()
      .optional(),
    mongodb: z
      .object({ url: urlWith(['mongodb:', 'mongodb+srv:']) })
      .strict()
      .optional(),
    redis: z
      .object({ url: urlWith(['redis:', 'rediss:']) })
      .strict()
      .optional(),
  })
  .strict()
  .refine((p) => PROFILE_COMPONENTS.some((c) => p[c] !== undefined), {
    message: 'a profile needs at least one component (kafka, rabbitmq, postgres, mongodb or redis)',
    path: ['kafka'],
  });
export type ConnectionProfile = z.infer<typeof ConnectionProfile>;
export type ConnectionProfileInput = z.input<typeof ConnectionProfile>;

export const PROFILE_COMPONENTS = ['kafka', 'rabbitmq', 'postgres', 'mongodb', 'redis'] as const;
export type ProfileComponent = (typeof PROFILE_COMPONENTS)[number];

/** The secret fields of a profile, by path. */
export const SECRET_FIELDS = [
  'kafka.sasl.password',
  'rabbitmq.url',
  'rabbitmq.managementUrl',
  'postgres.url',
  'mongodb.url',
  'redis.url',
] as const;
export const SecretField = z.enum(SECRET_FIELDS);
export type SecretField = z.infer<typeof SecretField>;

/** A stored profile as the renderer sees it: no secret in it (URLs without their password), and which are set. */
export const ProfileView = z.object({
  profile: ConnectionProfile,
  secrets: z.record(z.string(), z.enum(['set', 'not set'])),
  savedAt: Millis,
});
export type ProfileView = z.infer<typeof ProfileView>;

export const TEST_STEPS = ['reached', 'authenticated', 'authorised'] as const;
export const ProfileTestStep = z.object({
  step: z.enum(TEST_STEPS),
  /** null: not tried (an earlier step failed, or nothing to check) */
  ok: z.boolean().nullable(),
  detail: z.string(),
});
export type ProfileTestStep = z.infer<typeof ProfileTestStep>;
export const ProfileTestResult = z.object({
  component: z.enum(PROFILE_COMPONENTS),
  endpoint: z.string(),
  ok: z.boolean(),
  steps: z.array(ProfileTestStep),
  millis: Millis,
});
export type ProfileTestResult = z.infer<typeof ProfileTestResult>;

const ProfilesList = z.object({
  profiles: z.array(ProfileView),
  /** the profile the console is connected with (null: the host's own stack) */
  connected: Slug.nullable(),
  /** where the secrets are kept: Electron's safeStorage, or a file only this user can read */
  secretStore: z.enum(['safeStorage', 'file']),
});

export const PROFILE_REQUESTS = {
  'profiles:list': def(Empty, ProfilesList),
  /** saves (creates or replaces) a profile; a secret left out keeps the stored one, `clearSecrets` removes some */
  'profiles:save': def(
    z
      .object({
        profile: z.unknown(),
        clearSecrets: z.array(SecretField).max(SECRET_FIELDS.length).optional(),
      })
      .strict(),
    z.object({ saved: ProfileView }),
  ),
  'profiles:delete': def(z.object({ name: Slug }).strict(), z.object({ deleted: z.boolean() })),
  /** tests a profile (a saved one by name, or one being edited, with the stored secrets of the same name) */
  'profiles:test': def(
    z
      .object({
        name: Slug.optional(),
        profile: z.unknown().optional(),
        timeoutMs: z.number().int().min(500).max(30_000).optional(),
      })
      .strict()
      .refine((r) => r.name !== undefined || r.profile !== undefined, { message: 'name or profile', path: ['name'] }),
    z.object({ ok: z.boolean(), results: z.array(ProfileTestResult) }),
  ),
  /** points the console at a saved profile's brokers (the external provider), or back at its own stack (null) */
  'profiles:connect': def(
    z.object({ name: Slug.nullable() }).strict(),
    z.object({ connected: Slug.nullable(), lab: Slug }),
  ),
} as const;
