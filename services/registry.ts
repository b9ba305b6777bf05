// Every lab's services, one line per lab. services/cli.ts and the packaged bundle run `<lab>/<service>` from here.
import type { ServiceEntries } from './shared/service-entry.js';
import { services as labA } from './lab-a/index.js';
import { services as labB } from './lab-b/index.js';
import { services as labC } from './lab-c/index.js';
import { services as labD } from './lab-d/index.js';
import { services as labE } from './lab-e/index.js';

export const LAB_SERVICES: Readonly<Record<string, ServiceEntries>> = {
  'lab-a': labA,
  'lab-b': labB,
  'lab-c': labC,
  'lab-d': labD,
  'lab-e': labE,
};

/** Names the course's docs used before the labs were modules: `loms` = `lab-d/loms`. */
const ALIASES: Readonly<Record<string, string>> = { loms: 'lab-d/loms', notifier: 'lab-d/notifier' };

export function resolveService(name: string): { lab: string; service: string } | undefined {
  const full = ALIASES[name] ?? name;
  const [lab, service, ...rest] = full.split('/');
  if (lab === undefined || service === undefined || rest.length > 0) return undefined;
  return LAB_SERVICES[lab]?.[service] === undefined ? undefined : { lab, service };
}

export function serviceNames(): string[] {
  return Object.entries(LAB_SERVICES).flatMap(([lab, entries]) => Object.keys(entries).map((s) => `${lab}/${s}`));
}
