// Is a new version of an event a compatible change of the previous one? The rule (../../shared/LABS.md, Lab E): fields
// may be added as optional and enums widened; removing or renaming a required field, making a field required or no
// longer required, changing a type, and tightening a constraint (pattern, format, bounds, a closed object, a narrowed
// enum) are breaking, and need a new event version that consumers handle side by side. `compareSchemas` walks the two
// `data` schemas and lists every change, each marked breaking or not; the script prints them.
//
//   npx tsx services/lab-e/check-compat.ts                       every event with more than one version (a report)
//   npx tsx services/lab-e/check-compat.ts TaskCreated 2         version 2 against version 1; exit 1 when breaking
//   npx tsx services/lab-e/check-compat.ts old.json new.json     two schema files; exit 1 when breaking
//   add --json for machine-readable output
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { SCHEMA_FILES, type SchemaFile } from './schemas/index.js';

type Schema = Record<string, unknown>;

export interface SchemaChange {
  /** where: `data.title`, `data.items[]` */
  path: string;
  kind:
    | 'field-added'
    | 'field-removed'
    | 'field-renamed'
    | 'required-added'
    | 'required-removed'
    | 'type-changed'
    | 'enum-widened'
    | 'enum-narrowed'
    | 'const-changed'
    | 'constraint-tightened'
    | 'constraint-loosened'
    | 'closed'
    | 'opened';
  breaking: boolean;
  message: string;
}

export interface CompatResult {
  event: string;
  from: number;
  to: number;
  compatible: boolean;
  changes: SchemaChange[];
}

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => JSON.stringify(v);

function typesOf(s: Schema): string[] | undefined {
  const t = s.type;
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.map(String).sort();
  return undefined;
}

/** lower bounds: a bigger value is tighter; upper bounds: a smaller one */
const LOWER = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'] as const;
const UPPER = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'] as const;

/** Every change from `prev` to `next` below `path`; `breaking` says which ones a consumer of `prev` would trip on. */
export function compareSchemas(prev: Schema, next: Schema, path = 'data'): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const add = (kind: SchemaChange['kind'], breaking: boolean, message: string, at = path): void => {
    changes.push({ path: at, kind, breaking, message: `${at}: ${message}` });
  };

  const pt = typesOf(prev);
  const nt = typesOf(next);
  if (show(pt) !== show(nt)) {
    add('type-changed', true, `type changed from ${pt ? pt.join('|') : 'any'} to ${nt ? nt.join('|') : 'any'}`);
    return changes; // what lies below a changed type is not comparable
  }

  if ('const' in next && (!('const' in prev) || show(prev.const) !== show(next.const)))
    add('const-changed', true, `must now be ${show(next.const)}${'const' in prev ? ` (was ${show(prev.const)})` : ''}`);
  else if ('const' in prev && !('const' in next))
    add('constraint-loosened', false, `no longer fixed to ${show(prev.const)}`);

  const pe = Array.isArray(prev.enum) ? prev.enum.map(show) : undefined;
  const ne = Array.isArray(next.enum) ? next.enum.map(show) : undefined;
  if (ne !== undefined && pe === undefined) add('enum-narrowed', true, `restricted to ${ne.join(', ')}`);
  else if (pe !== undefined && ne === undefined) add('enum-widened', false, 'any value allowed now (enum removed)');
  else if (pe !== undefined && ne !== undefined) {
    const removed = pe.filter((v) => !ne.includes(v));
    const added = ne.filter((v) => !pe.includes(v));
    if (removed.length > 0) add('enum-narrowed', true, `enum value(s) removed: ${removed.join(', ')}`);
    if (added.length > 0) add('enum-widened', false, `enum widened with ${added.join(', ')}`);
  }

  for (const k of ['pattern', 'format'] as const) {
    if (next[k] !== undefined && prev[k] !== next[k])
      add(
        'constraint-tightened',
        true,
        prev[k] === undefined
          ? `${k} ${show(next[k])} added: a value the previous version accepted may be refused`
          : `${k} changed from ${show(prev[k])} to ${show(next[k])}`,
      );
    else if (prev[k] !== undefined && next[k] === undefined)
      add('constraint-loosened', false, `${k} ${show(prev[k])} removed`);
  }
  for (const k of [...LOWER, ...UPPER]) {
    const p = prev[k];
    const n = next[k];
    if (p === n) continue;
    const lower = (LOWER as readonly string[]).includes(k);
    if (typeof n !== 'number') add('constraint-loosened', false, `${k} ${show(p)} removed`);
    else if (typeof p !== 'number') add('constraint-tightened', true, `${k} ${n} added`);
    else if (lower ? n > p : n < p) add('constraint-tightened', true, `${k} changed from ${p} to ${n}`);
    else add('constraint-loosened', false, `${k} changed from ${p} to ${n}`);
  }

  if (isObject(prev.properties) || isObject(next.properties) || prev.required || next.required) {
    const pp = isObject(prev.properties) ? prev.properties : {};
    const np = isObject(next.properties) ? next.properties : {};
    const preq = new Set(Array.isArray(prev.required) ? prev.required.map(String) : []);
    const nreq = new Set(Array.isArray(next.required) ? next.required.map(String) : []);
    const at = (name: string): string => `${path}.${name}`;
    const removedRequired = Object.keys(pp).filter((n) => !(n in np) && preq.has(n));
    const addedRequired = Object.keys(np).filter((n) => !(n in pp) && nreq.has(n));
    const renamed = new Map<string, string>();
    // one required field gone and one new required field of the same type: most likely a rename
    for (const gone of removedRequired) {
      const twin = addedRequired.find(
        (n) =>
          ![...renamed.values()].includes(n) && show(typesOf(asSchema(pp[gone]))) === show(typesOf(asSchema(np[n]))),
      );
      if (twin !== undefined) renamed.set(gone, twin);
    }
    for (const [gone, twin] of renamed)
      add(
        'field-renamed',
        true,
        `required field renamed to ${twin}: a consumer reading ${gone} finds nothing`,
        at(gone),
      );
    for (const name of Object.keys(pp)) {
      if (name in np) continue;
      if (renamed.has(name)) continue;
      if (preq.has(name)) add('field-removed', true, 'required field removed', at(name));
      else add('field-removed', false, 'optional field removed', at(name));
    }
    for (const name of Object.keys(np)) {
      if (name in pp) continue;
      if ([...renamed.values()].includes(name)) continue;
      if (nreq.has(name))
        add('required-added', true, 'added as a required field (a new field must be optional)', at(name));
      else add('field-added', false, 'optional field added', at(name));
    }
    for (const name of Object.keys(pp)) {
      if (!(name in np)) continue;
      if (preq.has(name) && !nreq.has(name))
        add('required-removed', true, 'no longer required: a consumer that relies on it may not get it', at(name));
      if (!preq.has(name) && nreq.has(name))
        add('required-added', true, 'now required: events of the previous version may lack it', at(name));
      changes.push(...compareSchemas(asSchema(pp[name]), asSchema(np[name]), at(name)));
    }
    if (prev.additionalProperties !== false && next.additionalProperties === false)
      add('closed', true, 'closed to fields it does not list (additionalProperties: false)');
    if (prev.additionalProperties === false && next.additionalProperties !== false)
      add('opened', false, 'open to fields it does not list');
  }

  if (isObject(prev.items) && isObject(next.items))
    changes.push(...compareSchemas(prev.items, next.items, `${path}[]`));
  return changes;
}

function asSchema(v: unknown): Schema {
  return isObject(v) ? v : {};
}

/** The `data` part of an event schema (the envelope is the same for every version), or the schema itself. */
export function dataSchemaOf(schema: Schema): Schema {
  const props = schema.properties;
  return isObject(props) && isObject(props.data) ? props.data : schema;
}

export function checkPair(event: string, from: number, prev: Schema, to: number, next: Schema): CompatResult {
  const changes = compareSchemas(dataSchemaOf(prev), dataSchemaOf(next));
  return { event, from, to, compatible: changes.every((c) => !c.breaking), changes };
}

/** `version` of `event` against the version before it (undefined when there is none). */
export function checkVersion(
  event: string,
  version: number,
  files: readonly SchemaFile[] = SCHEMA_FILES,
): CompatResult | undefined {
  const versions = files.filter((f) => f.event === event).sort((a, b) => a.version - b.version);
  const i = versions.findIndex((f) => f.version === version);
  if (i <= 0) return undefined;
  const prev = versions[i - 1]!;
  const next = versions[i]!;
  return checkPair(event, prev.version, prev.schema, next.version, next.schema);
}

/** Every consecutive pair of versions in the registry. */
export function checkAll(files: readonly SchemaFile[] = SCHEMA_FILES): CompatResult[] {
  return files
    .map((f) => checkVersion(f.event, f.version, files))
    .filter((r): r is CompatResult => r !== undefined)
    .sort((a, b) => a.event.localeCompare(b.event) || a.to - b.to);
}

export function formatResult(r: CompatResult): string {
  const head = `${r.event} v${r.from} → v${r.to}: ${r.compatible ? 'compatible' : 'BREAKING'}`;
  const lines = r.changes.map((c) => `  ${c.breaking ? '✗' : '✓'} ${c.message}`);
  return [head, ...(lines.length > 0 ? lines : ['  (no change to data)'])].join('\n');
}

function main(argv: string[]): number {
  const json = argv.includes('--json');
  const args = argv.filter((a) => a !== '--json');
  let results: CompatResult[];
  let strict = true;
  if (args.length === 0) {
    results = checkAll();
    strict = false;
  } else if (args.length === 2 && args.every((a) => a.endsWith('.json'))) {
    const [a, b] = args.map((p) => JSON.parse(readFileSync(p, 'utf8')) as Schema) as [Schema, Schema];
    const version = (s: Schema, fallback: number): number => {
      const v = (asSchema(s.properties).event_version as Schema | undefined)?.const;
      return typeof v === 'number' ? v : fallback;
    };
    results = [checkPair(typeof a.title === 'string' ? a.title : args[0]!, version(a, 1), a, version(b, 2), b)];
  } else if (args.length === 2 && /^\d+$/.test(args[1]!)) {
    const r = checkVersion(args[0]!, Number(args[1]));
    if (r === undefined) {
      process.stderr.write(`no previous version of ${args[0]} v${args[1]} in the registry\n`);
      return 2;
    }
    results = [r];
  } else {
    process.stderr.write(
      'usage: tsx services/lab-e/check-compat.ts [--json] [<Event> <version> | <old.json> <new.json>]\n',
    );
    return 2;
  }
  process.stdout.write(json ? `${JSON.stringify(results, null, 2)}\n` : `${results.map(formatResult).join('\n')}\n`);
  return strict && results.some((r) => !r.compatible) ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
