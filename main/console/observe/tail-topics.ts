// Which topics the console's record tail follows: every topic of the cluster while there are few (a lab's stack, a
// test broker), only the ones a view shows (the lab's, the opened ones) on a big cluster, where following a thousand
// topics would cost a fetch of every partition every 200 ms for records nobody looks at (the message browser reads
// any topic on demand).
export const TAIL_ALL_TOPICS_UP_TO = 200;

export function tailTopicsOf(
  existing: readonly string[],
  shown: readonly string[],
  allUpTo: number = TAIL_ALL_TOPICS_UP_TO,
): string[] {
  if (existing.length <= allUpTo) return [...existing];
  const want = new Set(shown);
  return existing.filter((t) => want.has(t));
}
