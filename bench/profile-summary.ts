// Top functions of a V8 CPU profile by self time (and their total time), for `node --cpu-prof` runs of the benches:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/console-ingest.ts
//   tsx bench/profile-summary.ts /tmp/prof/*.cpuprofile [--top 30] [--filter substring]
// Self time is where the CPU was; total time is self plus everything called from it (a recursive function counts once
// per sample).
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
  /** samples per source line (of the code V8 ran: a bundle's lines, not a TypeScript file's) */
  positionTicks?: { line: number; ticks: number }[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function label(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  const file = url === '' ? '' : url.replace(/^file:\/\//, '').replace(`${process.cwd()}/`, '');
  const where =
    file === ''
      ? ''
      : ` ${file.includes('node_modules') ? file.slice(file.lastIndexOf('node_modules/') + 13) : file}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'}${where}`;
}

function summarise(file: string, top: number, filter: string | undefined, lines: boolean): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  let idle = 0;
  p.samples.forEach((id, i) => {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    all += dt;
    const leaf = byId.get(id)!;
    const leafLabel = label(leaf);
    if (leaf.callFrame.functionName === '(idle)') idle += dt;
    self.set(leafLabel, (self.get(leafLabel) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + dt);
    }
  });
  const busy = all - idle;
  process.stdout.write(
    `${path.basename(file)}: ${all.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms busy (${((busy / all) * 100).toFixed(0)}%)\n`,
  );
  process.stdout.write(`${'self ms'.padStart(8)} ${'self%'.padStart(6)} ${'total ms'.padStart(9)}  function\n`);
  const rows = [...self.entries()]
    .filter(([l]) => filter === undefined || l.includes(filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
  for (const [l, ms] of rows) {
    process.stdout.write(
      `${ms.toFixed(1).padStart(8)} ${((ms / busy) * 100).toFixed(1).padStart(5)}% ${(total.get(l) ?? 0).toFixed(1).padStart(9)}  ${l}\n`,
    );
  }
  if (!lines) return;
  // the hottest lines (ticks, not ms: the profile keeps counts per line)
  const perLine = new Map<string, number>();
  let ticks = 0;
  for (const n of p.nodes) {
    for (const t of n.positionTicks ?? []) {
      ticks += t.ticks;
      const file = n.callFrame.url.replace(/^file:\/\//, '');
      if (filter !== undefined && !file.includes(filter) && !n.callFrame.functionName.includes(filter)) continue;
      const key = `${file}:${t.line}`;
      perLine.set(key, (perLine.get(key) ?? 0) + t.ticks);
    }
  }
  process.stdout.write(`hottest lines (${ticks} ticks with a line):\n`);
  for (const [l, n] of [...perLine.entries()].sort((a, b) => b[1] - a[1]).slice(0, top))
    process.stdout.write(`${String(n).padStart(8)}  ${l}\n`);
}

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const top = Number(flag('--top') ?? 30);
const filter = flag('--filter');
const lines = args.includes('--lines');
if (lines) args.splice(args.indexOf('--lines'), 1);
if (args.length === 0) {
  process.stderr.write(
    'usage: tsx bench/profile-summary.ts <file.cpuprofile>… [--top N] [--filter substring] [--lines]\n',
  );
  process.exit(2);
}
for (const file of args) summarise(file, top, filter, lines);
