// The lab registry: every lab the console can run, one line per lab. The core asks the registry for a lab's manifest
// and module; it never names a lab itself.
import { AppError } from '../../../services/shared/app-error.js';
import type { LabManifest } from '../contract/console-api.js';
import { createLabA } from './lab-a/index.js';
import { createLabB } from './lab-b/index.js';
import { createLabC } from './lab-c/index.js';
import { createLabD } from './lab-d/index.js';
import { createLabE } from './lab-e/index.js';
import type { LabModule } from './types.js';

/** A lab module made from the console's env (its settings: topic names, ports, a student's service URL, …). */
export type LabFactory = (env: NodeJS.ProcessEnv) => LabModule;

export const LAB_FACTORIES: readonly LabFactory[] = [createLabD, createLabB, createLabC, createLabE, createLabA];

export interface LabRegistry {
  readonly manifests: LabManifest[];
  readonly ids: string[];
  /** the module of a declared lab; INVALID_INPUT naming the known ones otherwise */
  get(id: string): LabModule;
  has(id: string): boolean;
}

export function createLabRegistry(modules: readonly LabModule[]): LabRegistry {
  const byId = new Map<string, LabModule>();
  for (const m of modules) {
    if (byId.has(m.manifest.id)) throw new Error(`two labs with the id ${m.manifest.id}`);
    byId.set(m.manifest.id, m);
  }
  const ids = [...byId.keys()];
  return {
    manifests: modules.map((m) => m.manifest),
    ids,
    has: (id) => byId.has(id),
    get(id) {
      const m = byId.get(id);
      if (m === undefined)
        throw new AppError('INVALID_INPUT', `no such lab: ${id} (known: ${ids.join(', ')})`, {
          field: 'lab',
          known: ids,
        });
      return m;
    },
  };
}

/** The registry of every lab, each made from the env. */
export function defaultLabs(env: NodeJS.ProcessEnv = process.env): LabModule[] {
  return LAB_FACTORIES.map((make) => make(env));
}
