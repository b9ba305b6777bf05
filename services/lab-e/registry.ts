// The Lab E schema registry: every `schemas/<domain>/<event>/<version>.json` compiled once with ajv (+ ajv-formats).
// `validate(name, version, event)` checks a whole event (the envelope and its `data`) and returns the errors, each
// naming the field (`data.title`, `event_id`); `check(event)` reads name and version from the envelope first.
// Producers call `assertValid` before anything is written; consumers call `check` and dead-letter what fails.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { AppError } from '../shared/app-error.js';
import { ENVELOPE_SCHEMA, SCHEMA_FILES, type SchemaFile } from './schemas/index.js';

// ajv-formats is CommonJS: its default import is the plugin function itself at run time, typed as the module object.
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;

export interface ValidationError {
  /** the field, as a path a student can read: `data.title`, `data.tags[0]`, `event_id`; `(event)` for the whole value */
  field: string;
  message: string;
  /** the JSON-schema keyword that failed (required, type, format, pattern, const, enum, …) */
  keyword: string;
}

export interface EventInfo {
  domain: string;
  event: string;
  versions: number[];
  /** the topic its producer writes to (`x-topic` of the newest version) */
  topic: string;
}

/** `/data/items/0/sku` + missingProperty → `data.items[0].sku` */
export function fieldOf(err: Pick<ErrorObject, 'instancePath' | 'params'>): string {
  const base = err.instancePath
    .split('/')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('')
    .replace(/^\./, '');
  const params = err.params as { missingProperty?: string; additionalProperty?: string };
  const extra = params.missingProperty ?? params.additionalProperty;
  const path = extra === undefined ? base : base === '' ? extra : `${base}.${extra}`;
  return path === '' ? '(event)' : path;
}

function toErrors(errors: ErrorObject[] | null | undefined): ValidationError[] {
  const seen = new Set<string>();
  const out: ValidationError[] = [];
  for (const e of errors ?? []) {
    const field = fieldOf(e);
    const allowed = (e.params as { allowedValue?: unknown; allowedValues?: unknown[] }).allowedValue;
    const message =
      e.keyword === 'const' && allowed !== undefined
        ? `must be ${JSON.stringify(allowed)}`
        : e.keyword === 'enum'
          ? `must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`
          : (e.message ?? 'is invalid');
    const key = `${field}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field, message, keyword: e.keyword });
  }
  return out;
}

/** One line for a message or a log: `data.title: must match pattern …; event_id: must match format "uuid"` */
export function describeErrors(errors: readonly ValidationError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join('; ');
}

const key = (name: string, version: number): string => `${name}@${version}`;

export class SchemaRegistry {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly files = new Map<string, SchemaFile>();
  private readonly envelope: ValidateFunction;

  constructor(files: readonly SchemaFile[] = SCHEMA_FILES, envelope: Record<string, unknown> = ENVELOPE_SCHEMA) {
    this.ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(this.ajv);
    this.ajv.addKeyword('x-topic');
    this.ajv.addSchema(envelope);
    this.envelope = this.ajv.getSchema(String(envelope.$id)) ?? this.ajv.compile(envelope);
    for (const f of files) {
      const k = key(f.event, f.version);
      if (this.files.has(k)) throw new AppError('CONFIG_ERROR', `schema registry: ${f.file} is listed twice`);
      this.files.set(k, f);
      this.compiled.set(k, this.ajv.compile(f.schema));
    }
  }

  /** domains, events and their versions, for the console's Schemas panel */
  events(): EventInfo[] {
    const byEvent = new Map<string, EventInfo>();
    for (const f of this.files.values()) {
      const info = byEvent.get(f.event) ?? { domain: f.domain, event: f.event, versions: [], topic: '' };
      info.versions.push(f.version);
      info.versions.sort((a, b) => a - b);
      if (info.versions.at(-1) === f.version)
        info.topic = typeof f.schema['x-topic'] === 'string' ? f.schema['x-topic'] : '';
      byEvent.set(f.event, info);
    }
    return [...byEvent.values()].sort((a, b) => a.domain.localeCompare(b.domain) || a.event.localeCompare(b.event));
  }

  versions(name: string): number[] {
    return [...this.files.values()]
      .filter((f) => f.event === name)
      .map((f) => f.version)
      .sort((a, b) => a - b);
  }

  has(name: string, version: number): boolean {
    return this.compiled.has(key(name, version));
  }

  schema(name: string, version: number): SchemaFile | undefined {
    return this.files.get(key(name, version));
  }

  /** [] when the event is a valid `name` at `version`; otherwise every error, each naming its field */
  validate(name: string, version: number, event: unknown): ValidationError[] {
    const validator = this.compiled.get(key(name, version));
    if (validator === undefined) {
      const known = this.versions(name);
      return known.length === 0
        ? [{ field: 'event_name', message: `unknown event ${JSON.stringify(name)}`, keyword: 'registry' }]
        : [
            {
              field: 'event_version',
              message: `${name} has no version ${version} (known: ${known.join(', ')})`,
              keyword: 'registry',
            },
          ];
    }
    return validator(event) ? [] : toErrors(validator.errors);
  }

  /** An incoming event: the envelope first (name and version come from it), then the event's own schema. */
  check(event: unknown): { name?: string; version?: number; errors: ValidationError[] } {
    if (!this.envelope(event)) return { ...this.envelopeNameOf(event), errors: toErrors(this.envelope.errors) };
    const { event_name: name, event_version: version } = event as { event_name: string; event_version: number };
    return { name, version, errors: this.validate(name, version, event) };
  }

  /** Throws AppError INVALID_INPUT naming the first failing field (`details.field`, `details.errors`) when invalid. */
  assertValid(name: string, version: number, event: unknown): void {
    const errors = this.validate(name, version, event);
    if (errors.length === 0) return;
    throw new AppError('INVALID_INPUT', `${name} v${version} fails its schema: ${describeErrors(errors)}`, {
      field: errors[0]!.field,
      event_name: name,
      event_version: version,
      errors,
    });
  }

  private envelopeNameOf(event: unknown): { name?: string; version?: number } {
    if (typeof event !== 'object' || event === null) return {};
    const e = event as { event_name?: unknown; event_version?: unknown };
    return {
      ...(typeof e.event_name === 'string' ? { name: e.event_name } : {}),
      ...(typeof e.event_version === 'number' ? { version: e.event_version } : {}),
    };
  }
}

let shared: SchemaRegistry | undefined;
/** The registry of the schema files, compiled on first use and then shared by every service of the process. */
export function schemaRegistry(): SchemaRegistry {
  shared ??= new SchemaRegistry();
  return shared;
}
