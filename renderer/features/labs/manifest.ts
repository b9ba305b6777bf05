// What the generic views derive from a lab's manifest: instance lists, the "Start all" order, status tones, the
// entity's id check and words. Pure functions; the manifest is the only source of lab facts in the generic renderer.
import type { LabManifest, ManifestService, Tone as StatusTone } from '../../../main/console/contract/console-api';

const NO_STRINGS: readonly string[] = [];

/** Every instance the lab declares, in manifest order. */
export function instancesOf(manifest: LabManifest | null): readonly string[] {
  if (manifest === null) return NO_STRINGS;
  return manifest.services.flatMap((s) => s.instances);
}

/** The service (kind) an instance belongs to. */
export function serviceOf(manifest: LabManifest | null, instance: string): ManifestService | undefined {
  return manifest?.services.find((s) => s.instances.includes(instance));
}

/**
 * The services in the order "Start all" starts them: a kind after the kinds its `after` names (manifest order
 * otherwise). An `after` naming an unknown kind is ignored; a cycle falls back to manifest order for what remains.
 */
export function startOrder(services: readonly ManifestService[]): ManifestService[] {
  const known = new Set(services.map((s) => s.kind));
  const done = new Set<string>();
  const out: ManifestService[] = [];
  let rest = [...services];
  while (rest.length > 0) {
    const ready = rest.filter((s) => (s.after ?? []).every((k) => done.has(k) || !known.has(k)));
    const next = ready.length > 0 ? ready : [rest[0] as ManifestService];
    for (const s of next) {
      out.push(s);
      done.add(s.kind);
    }
    rest = rest.filter((s) => !next.includes(s));
  }
  return out;
}

/** The tone of an entity status (the manifest's `entity.tones`), `info` when it names none. */
export function toneOfStatus(manifest: LabManifest | null, status: string): StatusTone {
  return manifest?.entity.tones[status] ?? 'info';
}

/** The manifest's id pattern as a RegExp (anchored as written); null when it does not compile. */
export function idRegex(manifest: LabManifest | null): RegExp | null {
  if (manifest === null) return null;
  try {
    return new RegExp(manifest.entity.idPattern);
  } catch {
    return null;
  }
}

export const capitalize = (word: string): string => (word === '' ? word : word[0]!.toUpperCase() + word.slice(1));

/** A noun's plural, good enough for the labs' nouns (order → orders, entry → entries, class → classes). */
export function plural(noun: string): string {
  if (/[^aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(noun)) return `${noun}es`;
  return `${noun}s`;
}

/**
 * The instance behind a Kafka clientId or memberId (`notifier-notifier-2`, `notifier-notifier-2-<uuid>` →
 * `notifier-2`): the longest of the lab's instance names the id contains (the last one when two are as long), else the
 * id itself.
 */
export function instanceOfClient(clientId: string, instances: readonly string[]): string {
  let best: string | null = null;
  let bestAt = -1;
  for (const name of instances) {
    const at = clientId.lastIndexOf(name);
    if (at < 0) continue;
    if (best === null || name.length > best.length || (name.length === best.length && at > bestAt)) {
      best = name;
      bestAt = at;
    }
  }
  return best ?? clientId;
}
