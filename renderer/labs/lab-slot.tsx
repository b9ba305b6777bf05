// Where a generic view shows the selected lab's own controls for it (renderer/labs/<lab>/, through the registry).
import type { ViewId } from '../../main/console/contract/console-api';
import { useLabsStore } from '../features/labs/store';
import { labUi } from './registry';

export function LabSlot({ view }: { view: ViewId }) {
  const lab = useLabsStore((s) => s.lab);
  const panels = labUi(lab).panels?.[view] ?? [];
  return (
    <>
      {panels.map((Panel, i) => (
        <Panel key={`${lab}-${view}-${i}`} />
      ))}
    </>
  );
}
