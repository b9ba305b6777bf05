// The console core knows no lab by name: outside main/console/labs/ no file of main/console (tests aside) imports a
// lab's services or writes a lab's id, topic, service, instance, group or status as a string literal. Every name comes
// from the registered labs' manifests, so a new lab's names are checked as soon as it is registered.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultLabs } from '../../main/console/labs/registry.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CORE = path.join(ROOT, 'main/console');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return full === path.join(CORE, 'labs') ? [] : files(full);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [full] : [];
  });
}

/**
 * A core literal that equals a lab's name but is the core's own word, by file: each says why the lab keeps the name.
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  // the WebSocket frame `{type:'auth'}`; Lab B's and Lab E's service is `auth` (services/lab-b, services/lab-e)
  'main/console/contract/console-api.ts': ['auth'],
  // Docker's container state `created`; Lab E's task status is `created` (TaskAdded)
  'main/console/stack/docker/compose.ts': ['created'],
  // Promise.allSettled's result status `rejected`; Lab B's vacation status is `rejected` (services/lab-b/schema.ts)
  'main/console/stack/local/provider.ts': ['rejected'],
  'main/console/stack/local/kafka-cluster.ts': ['rejected'],
};

/** every name a lab's manifest declares, as it would be written in code */
function labNames(): Map<string, string> {
  const names = new Map<string, string>();
  for (const m of defaultLabs({}).map((l) => l.manifest)) {
    // an empty literal names nothing (Lab B's AMQP default exchange is named '')
    const add = (name: string, what: string) => {
      if (name !== '') names.set(name, `${m.id} ${what}`);
    };
    add(m.id, 'id');
    for (const t of m.topics) add(t.name, 'topic');
    for (const g of m.groups) add(g, 'group');
    for (const x of m.exchanges) {
      add(x.name, 'exchange');
      for (const q of x.queues) add(q, 'queue');
    }
    for (const s of m.services) {
      add(s.kind, 'service');
      for (const i of s.instances) add(i, 'instance');
    }
    for (const st of m.entity.statuses) add(st, 'status');
  }
  return names;
}

describe('the console core knows no lab', () => {
  const sources = files(CORE);
  const names = labNames();

  it('finds the core sources and the labs names (the scan is not empty)', () => {
    expect(sources.length).toBeGreaterThan(20);
    expect(names.size).toBeGreaterThan(5);
  });

  it('no core file imports services/lab-*', () => {
    const hits = sources.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${path.relative(ROOT, f)}:${i + 1}` }))
        .filter(({ line }) => /from\s+['"][^'"]*services\/lab-[a-z]/.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(hits).toEqual([]);
  });

  it("no core file writes a lab's id, topic, service, instance, group or status as a string literal", () => {
    const hits: string[] = [];
    for (const f of sources) {
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/^\s*(\/\/|\*|\/\*)/.test(line)) return; // comments may give examples
          for (const m of line.matchAll(/'([^'\\]*)'|"([^"\\]*)"|`([^`$\\]*)`/g)) {
            const literal = m[1] ?? m[2] ?? m[3] ?? '';
            const owner = names.get(literal);
            if (owner !== undefined && !(ALLOWED[path.relative(ROOT, f)] ?? []).includes(literal))
              hits.push(`${path.relative(ROOT, f)}:${i + 1}: '${literal}' (${owner})`);
          }
        });
    }
    expect(hits).toEqual([]);
  });
});
