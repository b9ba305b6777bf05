// The lab picker at the top of the sidebar: every lab the console can run (title, and the selected one's summary).
// Switching asks the console (labs:select stops the running lab's services and load) and takes its new info; the
// binding then empties the lab-scoped stores (timeline, services, load).
import { useClient } from '../../../lib/client-context';
import { applyInfo } from '../../../lib/stores';
import { useAction } from '../../../lib/use-action';
import { useConsoleStore } from '../../console/store';
import { selectManifest, useLabsStore } from '../store';

export function LabPicker() {
  const client = useClient();
  const labs = useLabsStore((s) => s.labs);
  const lab = useLabsStore((s) => s.lab);
  const selected = useLabsStore(selectManifest);
  const select = useAction('labs:select', async (id: string) => {
    const info = await client.request['labs:select']({ lab: id });
    applyInfo({ console: useConsoleStore, labs: useLabsStore }, info);
  });
  if (labs.length === 0)
    return (
      <div className="lab-picker" data-testid="lab-picker">
        <span className="sub">Loading the labs…</span>
      </div>
    );
  return (
    <div className="lab-picker" data-testid="lab-picker">
      <label className="lab-picker-label">
        Lab
        <select
          value={lab ?? ''}
          disabled={select.pending}
          aria-label="Lab"
          aria-describedby="lab-summary"
          onChange={(e) => {
            if (e.target.value !== lab) void select.invoke(e.target.value);
          }}
        >
          {labs.map((l) => (
            <option key={l.id} value={l.id}>
              {l.title}
            </option>
          ))}
        </select>
      </label>
      <div className="sub" id="lab-summary" data-testid="lab-summary">
        {select.pending ? 'Switching: stopping the running lab…' : (selected?.summary ?? '')}
      </div>
    </div>
  );
}
