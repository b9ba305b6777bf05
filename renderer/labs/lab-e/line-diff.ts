// A side-by-side line diff of two texts (two versions of a schema, pretty-printed): the longest common subsequence of
// their lines, then rows that pair a removed line with an added one where they meet. Lines that differ only by a
// trailing comma are the same line (in pretty JSON the comma says whether a sibling follows, not what changed). Small
// inputs only (a schema is a few dozen lines; the table is O(n·m)).

export type DiffRow =
  | { kind: 'same'; left: string; right: string }
  | { kind: 'changed'; left: string; right: string }
  | { kind: 'removed'; left: string; right: null }
  | { kind: 'added'; left: null; right: string };

export function sideBySide(a: readonly string[], b: readonly string[]): DiffRow[] {
  const n = a.length;
  const m = b.length;
  const key = (l: string) => l.replace(/,\s*$/, '');
  const ka = a.map(key);
  const kb = b.map(key);
  // lcs[i][j]: the LCS length of a[i..] and b[j..]
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = ka[i] === kb[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const rows: DiffRow[] = [];
  let removed: string[] = [];
  let added: string[] = [];
  const flush = () => {
    const k = Math.min(removed.length, added.length);
    for (let x = 0; x < k; x++) rows.push({ kind: 'changed', left: removed[x]!, right: added[x]! });
    for (const l of removed.slice(k)) rows.push({ kind: 'removed', left: l, right: null });
    for (const r of added.slice(k)) rows.push({ kind: 'added', left: null, right: r });
    removed = [];
    added = [];
  };
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && ka[i] === kb[j]) {
      flush();
      rows.push({ kind: 'same', left: a[i]!, right: b[j]! });
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) added.push(b[j++]!);
    else removed.push(a[i++]!);
  }
  flush();
  return rows;
}

/** a schema as the diff shows it: pretty JSON, two spaces */
export const schemaLines = (schema: unknown): string[] => JSON.stringify(schema, null, 2).split('\n');
