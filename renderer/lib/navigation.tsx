// Moving between views from inside one: a link in a view (an evidence row of a check) opens another view at a thing,
// a record of a topic or an entity's timeline. The shell (app.tsx) provides it; a view reads the focus it was opened at.
// Outside a provider there is nowhere to go: `useNavigate()` is null and a view shows plain text instead of a link.
import { createContext, useContext, type ReactNode } from 'react';
import type { ViewId } from '../../main/console/contract/console-api';

/** What a view is opened at. */
export type Focus =
  { kind: 'record'; topic: string; partition: number; offset: string } | { kind: 'entity'; entity: string };

export type Navigate = (view: ViewId, focus?: Focus) => void;

interface NavigationValue {
  navigate: Navigate;
  /** what the current view was opened at (null: opened from the menu) */
  focus: Focus | null;
}

const NavigationContext = createContext<NavigationValue | null>(null);

export function NavigationProvider({ navigate, focus, children }: NavigationValue & { children: ReactNode }) {
  return <NavigationContext.Provider value={{ navigate, focus }}>{children}</NavigationContext.Provider>;
}

export function useNavigate(): Navigate | null {
  return useContext(NavigationContext)?.navigate ?? null;
}

/** The focus of this kind the current view was opened at, null for none. */
export function useFocus<K extends Focus['kind']>(kind: K): Extract<Focus, { kind: K }> | null {
  const focus = useContext(NavigationContext)?.focus ?? null;
  return focus?.kind === kind ? (focus as Extract<Focus, { kind: K }>) : null;
}
