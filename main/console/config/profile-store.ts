// Connection profiles on disk, in the app's config folder (web mode: EVENTSCOPE_HOME/profiles or ~/.eventscope/profiles;
// Electron: userData/profiles). profiles.json holds the profiles without their secrets; secrets.json holds the secrets,
// sealed by a SecretBox (Electron's safeStorage where it is available, else as they are); both files mode 0600, in a
// folder mode 0700. Everything read is zod-validated, and a bad file is an error that names the field.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../../services/shared/app-error.js';
import { ConnectionProfile, SECRET_FIELDS, type ProfileView, type SecretField } from '../contract/profiles.js';

/** Seals secrets at rest. `safeStorage`: Electron's OS keychain encryption; `file`: kept as they are, in a 0600 file. */
export interface SecretBox {
  readonly kind: 'safeStorage' | 'file';
  seal(plain: string): string;
  open(sealed: string): string;
}

export const plainSecretBox: SecretBox = { kind: 'file', seal: (s) => s, open: (s) => s };

/** The profiles folder of web mode and of the CLI. */
export function profilesDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.EVENTSCOPE_HOME;
  return home !== undefined && home !== ''
    ? path.join(path.resolve(home), 'profiles')
    : path.join(homedir(), '.eventscope', 'profiles');
}

const StoredProfiles = z.object({
  version: z.literal(1),
  profiles: z.array(z.object({ profile: ConnectionProfile, savedAt: z.number().int().nonnegative() })),
});
const StoredSecrets = z.object({
  version: z.literal(1),
  box: z.enum(['safeStorage', 'file']),
  /** profile name → secret field (SECRET_FIELDS) → sealed value */
  secrets: z.record(z.string(), z.record(z.string(), z.string())),
});

/** A profile with its secrets put back: what the provider and the tests connect with. Never sent to the renderer. */
export type ResolvedProfile = ConnectionProfile;

/** Describes the zod issues of a profile as one sentence naming each field. */
export function profileProblems(error: z.ZodError, prefix = ''): { field: string; message: string }[] {
  return error.issues.map((issue) => {
    const field = `${prefix}${issue.path.map(String).join('.')}`;
    const missing = issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined;
    return { field, message: `${field || 'profile'}: ${missing ? 'is missing' : issue.message}` };
  });
}

/** Parses a profile from untrusted input; INVALID_INPUT naming each bad field. */
export function parseProfile(input: unknown): ConnectionProfile {
  const r = ConnectionProfile.safeParse(input);
  if (!r.success) {
    const problems = profileProblems(r.error, 'profile.');
    throw new AppError('INVALID_INPUT', problems.map((p) => p.message).join('; '), {
      field: problems[0]?.field ?? 'profile',
      fields: problems.map((p) => p.field),
      problems,
    });
  }
  return r.data;
}

function urlPassword(url: string): { bare: string; password: string | undefined } {
  try {
    const u = new URL(url);
    if (u.password === '') return { bare: url, password: undefined };
    const password = decodeURIComponent(u.password);
    u.password = '';
    return { bare: u.toString(), password };
  } catch {
    return { bare: url, password: undefined };
  }
}

function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  const u = new URL(url);
  u.password = encodeURIComponent(password);
  return u.toString();
}

type Secrets = Partial<Record<SecretField, string>>;

/** Splits a profile into its secret-free form and its secrets. */
export function splitSecrets(profile: ConnectionProfile): { bare: ConnectionProfile; secrets: Secrets } {
  const bare = structuredClone(profile);
  const secrets: Secrets = {};
  if (bare.kafka?.sasl?.password !== undefined) {
    secrets['kafka.sasl.password'] = bare.kafka.sasl.password;
    delete bare.kafka.sasl.password;
  }
  const take = (field: SecretField, get: () => string | undefined, set: (v: string) => void) => {
    const url = get();
    if (url === undefined) return;
    const { bare: b, password } = urlPassword(url);
    if (password !== undefined) {
      secrets[field] = password;
      set(b);
    }
  };
  if (bare.rabbitmq !== undefined) {
    const r = bare.rabbitmq;
    take(
      'rabbitmq.url',
      () => r.url,
      (v) => (r.url = v),
    );
    take(
      'rabbitmq.managementUrl',
      () => r.managementUrl,
      (v) => (r.managementUrl = v),
    );
  }
  for (const c of ['postgres', 'mongodb', 'redis'] as const) {
    const part = bare[c];
    if (part !== undefined)
      take(
        `${c}.url`,
        () => part.url,
        (v) => (part.url = v),
      );
  }
  return { bare, secrets };
}

/** Puts secrets back into a secret-free profile. */
export function joinSecrets(bare: ConnectionProfile, secrets: Secrets): ConnectionProfile {
  const p = structuredClone(bare);
  if (p.kafka?.sasl !== undefined && secrets['kafka.sasl.password'] !== undefined)
    p.kafka.sasl.password = secrets['kafka.sasl.password'];
  if (p.rabbitmq !== undefined) {
    p.rabbitmq.url = withPassword(p.rabbitmq.url, secrets['rabbitmq.url']);
    if (p.rabbitmq.managementUrl !== undefined)
      p.rabbitmq.managementUrl = withPassword(p.rabbitmq.managementUrl, secrets['rabbitmq.managementUrl']);
  }
  for (const c of ['postgres', 'mongodb', 'redis'] as const) {
    const part = p[c];
    if (part !== undefined) part.url = withPassword(part.url, secrets[`${c}.url`]);
  }
  return p;
}

/** The secret fields a profile can have (so the renderer can say "not set" for the ones it has none for). */
function secretFieldsOf(p: ConnectionProfile): SecretField[] {
  const out: SecretField[] = [];
  if (p.kafka?.sasl !== undefined) out.push('kafka.sasl.password');
  if (p.rabbitmq !== undefined) out.push('rabbitmq.url');
  if (p.rabbitmq?.managementUrl !== undefined) out.push('rabbitmq.managementUrl');
  for (const c of ['postgres', 'mongodb', 'redis'] as const) if (p[c] !== undefined) out.push(`${c}.url`);
  return out;
}

export interface ProfileStore {
  readonly dir: string;
  readonly secretStore: SecretBox['kind'];
  list(): ProfileView[];
  /** saves a profile; secrets it leaves out are kept from the stored one of the same name, unless cleared */
  save(input: unknown, clearSecrets?: readonly SecretField[]): ProfileView;
  delete(name: string): boolean;
  /** the profile with its secrets (for connecting and testing); NOT_FOUND when there is none */
  resolve(name: string): ResolvedProfile;
  /** a profile being edited, with the stored secrets of the same name filled in where it has none */
  withStoredSecrets(input: unknown): ResolvedProfile;
}

export function createProfileStore(opts: { dir: string; box?: SecretBox; now?: () => number }): ProfileStore {
  const box = opts.box ?? plainSecretBox;
  const now = opts.now ?? Date.now;
  const profilesFile = path.join(opts.dir, 'profiles.json');
  const secretsFile = path.join(opts.dir, 'secrets.json');

  const readJson = <T>(file: string, schema: z.ZodType<T>, empty: T): T => {
    if (!existsSync(file)) return empty;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new AppError('CONFIG_ERROR', `${file} is not valid JSON: ${(err as Error).message}`, { file });
    }
    const r = schema.safeParse(parsed);
    if (!r.success) {
      const problems = profileProblems(r.error);
      throw new AppError('CONFIG_ERROR', `${file}: ${problems.map((p) => p.message).join('; ')}`, {
        file,
        field: problems[0]?.field,
        fields: problems.map((p) => p.field),
      });
    }
    return r.data;
  };
  const writeJson = (file: string, value: unknown) => {
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  };
  const readProfiles = () => readJson(profilesFile, StoredProfiles, { version: 1 as const, profiles: [] });
  const readSecrets = () => {
    const s = readJson(secretsFile, StoredSecrets, { version: 1 as const, box: box.kind, secrets: {} });
    if (s.box !== box.kind && Object.keys(s.secrets).length > 0)
      throw new AppError(
        'CONFIG_ERROR',
        `${secretsFile}: its secrets were sealed with ${s.box}, this host keeps them with ${box.kind}: save the profiles' secrets again`,
        { file: secretsFile, field: 'box' },
      );
    return s;
  };
  const openSecrets = (name: string): Secrets => {
    const sealed = readSecrets().secrets[name] ?? {};
    return Object.fromEntries(
      Object.entries(sealed)
        .filter(([k]) => (SECRET_FIELDS as readonly string[]).includes(k))
        .map(([k, v]) => [k, box.open(v)]),
    );
  };
  const view = (profile: ConnectionProfile, savedAt: number): ProfileView => {
    const stored: Record<string, string> = readSecrets().secrets[profile.name] ?? {};
    return {
      profile,
      savedAt,
      secrets: Object.fromEntries(secretFieldsOf(profile).map((f) => [f, stored[f] !== undefined ? 'set' : 'not set'])),
    };
  };

  const store: ProfileStore = {
    dir: opts.dir,
    secretStore: box.kind,
    list: () => readProfiles().profiles.map((p) => view(p.profile, p.savedAt)),
    save(input, clearSecrets = []) {
      const profile = parseProfile(input);
      const { bare, secrets } = splitSecrets(profile);
      const kept = openSecrets(profile.name);
      const fields = new Set(secretFieldsOf(bare));
      const next: Secrets = {};
      for (const f of fields) {
        const v = secrets[f] ?? (clearSecrets.includes(f) ? undefined : kept[f]);
        if (v !== undefined) next[f] = v;
      }
      const stored = readProfiles();
      const savedAt = now();
      stored.profiles = [...stored.profiles.filter((p) => p.profile.name !== bare.name), { profile: bare, savedAt }];
      stored.profiles.sort((a, b) => a.profile.name.localeCompare(b.profile.name));
      const s = readSecrets();
      s.box = box.kind;
      s.secrets[bare.name] = Object.fromEntries(Object.entries(next).map(([k, v]) => [k, box.seal(v)]));
      writeJson(secretsFile, s);
      writeJson(profilesFile, stored);
      return view(bare, savedAt);
    },
    delete(name) {
      const stored = readProfiles();
      const before = stored.profiles.length;
      stored.profiles = stored.profiles.filter((p) => p.profile.name !== name);
      if (stored.profiles.length === before) return false;
      const s = readSecrets();
      delete s.secrets[name];
      writeJson(secretsFile, s);
      writeJson(profilesFile, stored);
      return true;
    },
    resolve(name) {
      const found = readProfiles().profiles.find((p) => p.profile.name === name);
      if (found === undefined)
        throw new AppError('NOT_FOUND', `name: no saved profile ${name}`, { field: 'name', name });
      return joinSecrets(found.profile, openSecrets(name));
    },
    withStoredSecrets(input) {
      const profile = parseProfile(input);
      const { bare, secrets } = splitSecrets(profile);
      const kept = readProfiles().profiles.some((p) => p.profile.name === profile.name)
        ? openSecrets(profile.name)
        : {};
      return joinSecrets(bare, { ...kept, ...secrets });
    },
  };
  return store;
}
