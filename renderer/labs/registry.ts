// The renderer's lab registry: one line per lab that has UI of its own. A lab without an entry gets the generic
// views only.
import { LAB_A_UI } from './lab-a';
import { LAB_C_UI } from './lab-c';
import { LAB_D_UI } from './lab-d';
import { LAB_E_UI } from './lab-e';
import type { LabUi, LabUiRegistry } from './lab-ui';

export const LAB_UI: LabUiRegistry = {
  'lab-a': LAB_A_UI,
  'lab-c': LAB_C_UI,
  'lab-d': LAB_D_UI,
  'lab-e': LAB_E_UI,
};

const NONE: LabUi = {};

export function labUi(lab: string | null, registry: LabUiRegistry = LAB_UI): LabUi {
  return (lab !== null ? registry[lab] : undefined) ?? NONE;
}
