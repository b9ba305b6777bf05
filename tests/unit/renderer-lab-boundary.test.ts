// The renderer's lab boundary (issue 8, STYLE.md "Plug-ins, not branches"): outside renderer/labs/ no renderer file
// names a lab, its services, instances, topics or statuses in a string literal; the generic views read them from the
// lab's manifest. Test code (renderer/test/**, *.test.ts(x)) may name them: it is test data.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RENDERER = path.join(ROOT, 'renderer');

/** Lab D's names: a literal equal to one of them is a violation. */
const EXACT = new Set([
  'lab-d',
  'loms',
  'notifier',
  'notifier-1',
  'notifier-2',
  'notifier-3',
  'loms.order-events',
  'awaiting payment',
  'cancelled',
  'paid',
]);
/** Names distinctive enough that a literal containing them is a violation too (`'lab-d:relay-status'`, `'../labs/lab-d'`). */
const CONTAINED = /(^|[^a-z0-9])(lab-d|loms|notifier-\d+)([^a-z0-9]|$)/i;

const LITERAL = /(['"`])((?:\\.|(?!\1)[^\\\n])*)\1/g;

export interface Violation {
  file: string;
  line: number;
  literal: string;
}

/** The string literals of `source` that name Lab D (line comments are skipped). */
export function violationsIn(file: string, source: string): Violation[] {
  const out: Violation[] = [];
  source.split('\n').forEach((text, i) => {
    const code = text.trimStart();
    if (code.startsWith('//') || code.startsWith('*') || code.startsWith('/*')) return;
    for (const m of code.matchAll(LITERAL)) {
      const literal = m[2] ?? '';
      if (m[1] === '`' && literal.includes('${')) {
        // a template: judge its fixed parts
        const parts = literal.split(/\$\{[^}]*\}/);
        if (parts.some((p) => CONTAINED.test(p))) out.push({ file, line: i + 1, literal });
        continue;
      }
      if (EXACT.has(literal) || CONTAINED.test(literal)) out.push({ file, line: i + 1, literal });
    }
  });
  return out;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const rel = path.relative(RENDERER, full).split(path.sep).join('/');
    if (entry.isDirectory()) {
      if (rel === 'labs' || rel === 'test' || entry.name === 'node_modules') continue;
      out.push(...sourceFiles(full));
    } else if (/\.(ts|tsx)$/.test(entry.name) && !/\.test\.(ts|tsx)$/.test(entry.name)) out.push(full);
  }
  return out;
}

describe('renderer lab boundary', () => {
  it('finds a lab name in a literal, and not in comments or in a word that merely contains it', () => {
    const sample = [
      "const a = 'loms';",
      '// the loms relay, notifier-2',
      '<Badge state="paid" tone=\'ok\' />',
      "client.request['lab-d:relay-status']({});",
      'const t = `${topic} of loms`;',
      "const fine = 'unpaid, cancelled twice, loms2, notifiers';",
    ].join('\n');
    expect(violationsIn('x.tsx', sample).map((v) => `${v.line}:${v.literal}`)).toEqual([
      '1:loms',
      '3:paid',
      '4:lab-d:relay-status',
      '5:${topic} of loms',
    ]);
  });

  it("no renderer file outside renderer/labs/ names Lab D's lab id, services, instances, topic or statuses", () => {
    const files = sourceFiles(RENDERER);
    expect(files.length).toBeGreaterThan(20);
    const found = files.flatMap((f) => violationsIn(path.relative(ROOT, f), readFileSync(f, 'utf8')));
    expect(
      found.map((v) => `${v.file}:${v.line}: '${v.literal}'`),
      'name them in the manifest or in renderer/labs/<lab>/ instead',
    ).toEqual([]);
  });
});
