// What a lab adds to the generic renderer (renderer/labs/<lab>/index.ts exports one, renderer/labs/registry.ts lists
// it): controls shown inside the generic views, and its own wiring while it is the selected lab. The generic views
// never name a lab; they render the selected lab's `panels` at their lab slot (lab-slot.tsx).
import type { ComponentType } from 'react';
import type { ConsoleClient, ViewId } from '../../main/console/contract/console-api';
import type { LineReader } from '../features/stack/components/log-line';
import type { Stores } from '../lib/stores';

export interface LabUi {
  /** extra controls per generic view, rendered at the view's lab slot in this order */
  panels?: Partial<Record<ViewId, readonly ComponentType[]>>;
  /**
   * Started when the lab becomes the selected one (and at start-up), stopped when another is selected: the lab's own
   * background wiring, e.g. polling a status of its own that has no push. Returns the stop function.
   */
  bind?: (client: ConsoleClient, stores: Stores) => () => void;
  /** reads the lab's own service log lines (its event line format) before the generic reading */
  readLine?: LineReader;
}

export type LabUiRegistry = Readonly<Record<string, LabUi>>;
