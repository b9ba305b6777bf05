// Every lab's services, one line per lab. services/cli.ts and the packaged bundle run `<lab>/<service>` from here.
// Each lab is loaded only when one of its services is asked for: a child process of the console then compiles and
// evaluates its own lab's modules, not every lab's (about two seconds less per start on a busy machine).
import type { ServiceEntries, ServiceEntry } from './shared/service-entry.js';

export const LAB_SERVICES: Readonly<Record<string, () => Promise<ServiceEntries>>> = {
  'lab-a': async () => (await import('./lab-a/index.js')).services,
  'lab-b': async () => (await import('./lab-b/index.js')).services,
  'lab-c': async () => (await import('./lab-c/index.js')).services,
  'lab-d': async () => (await import('./lab-d/index.js')).services,
  'lab-e': async () => (await import('./lab-e/index.js')).services,
};

/** Names the course's docs used before the labs were modules: `loms` = `lab-d/loms`. */
const ALIASES: Readonly<Record<string, string>> = { loms: 'lab-d/loms', notifier: 'lab-d/notifier' };

/** The service `<lab>/<service>` (or an alias), its lab loaded; undefined for a name that is none. */
export async function resolveService(
  name: string,
): Promise<{ lab: string; service: string; entry: ServiceEntry } | undefined> {
  const full = ALIASES[name] ?? name;
  const [lab, service, ...rest] = full.split('/');
  if (lab === undefined || service === undefined || rest.length > 0) return undefined;
  const load = LAB_SERVICES[lab];
  if (load === undefined) return undefined;
  const entry = (await load())[service];
  return entry === undefined ? undefined : { lab, service, entry };
}

/** Every lab's services (each lab loaded): `[lab/service, entry]` in registry order. */
export async function allServices(): Promise<[string, ServiceEntry][]> {
  const out: [string, ServiceEntry][] = [];
  for (const [lab, load] of Object.entries(LAB_SERVICES))
    for (const [name, entry] of Object.entries(await load())) out.push([`${lab}/${name}`, entry]);
  return out;
}

export async function serviceNames(): Promise<string[]> {
  return (await allServices()).map(([name]) => name);
}
