// Timeline: search an entity id (the lab's noun, id pattern and example) and see its facts step by step with flags;
// the recent entities and the flagged ones.
import { useState } from 'react';
import type { LabManifest } from '../../../../main/console/contract/console-api';
import { LabSlot } from '../../../labs/lab-slot';
import { useFocus } from '../../../lib/navigation';
import { EmptyState } from '../../../ui/empty-state';
import { Panel } from '../../../ui/panel';
import { Term } from '../../../ui/term';
import { capitalize, idRegex } from '../../labs/manifest';
import { useLab } from '../../labs/store';
import { EntityDetail } from './entity-detail';
import { EntityList } from './entity-list';

export function TimelineView() {
  const lab = useLab();
  if (lab === null)
    return (
      <div className="view" data-testid="view-timeline">
        <EmptyState title="No lab selected yet" />
      </div>
    );
  return <LabTimeline key={lab.id} lab={lab} />;
}

function LabTimeline({ lab }: { lab: LabManifest }) {
  // opened from a link (a check's evidence) at one entity: its timeline shows at once
  const opened = useFocus('entity')?.entity ?? null;
  const [query, setQuery] = useState(opened ?? '');
  const [selected, setSelected] = useState<string | null>(opened);
  const { noun, idExample, steps } = lab.entity;
  const pattern = idRegex(lab);
  const id = query.trim();
  const valid = id !== '' && id.length <= 200 && (pattern === null || pattern.test(id));
  const Noun = capitalize(noun);
  const pick = (entity: string) => {
    setQuery(entity);
    setSelected(entity);
  };
  return (
    <div className="view" data-testid="view-timeline">
      <Panel
        title={`${Noun} timeline`}
        hint={
          <>
            Type {/^[aeiou]/i.test(noun) ? 'an' : 'a'} {noun} id to see its <Term term="timeline" />:{' '}
            {steps.map((s) => s.label).join(', then ')}; with the <Term term="partition" /> and <Term term="offset" />{' '}
            of each record and the instance that handled it.
          </>
        }
      >
        <form
          className="search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            if (valid) setSelected(id);
          }}
        >
          <label>
            {Noun} id
            <input
              type="search"
              placeholder={`e.g. ${idExample}`}
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              aria-invalid={query !== '' && !valid}
            />
          </label>
          <button type="submit" className="primary" disabled={!valid}>
            Show timeline
          </button>
          {query !== '' && !valid && (
            <span className="text-bad sub" data-testid="timeline-id-invalid">
              Not {/^[aeiou]/i.test(noun) ? 'an' : 'a'} {noun} id: one looks like {idExample}.
            </span>
          )}
        </form>
        {selected === null ? (
          <p className="muted" data-testid="timeline-hint">
            Pick {/^[aeiou]/i.test(noun) ? 'an' : 'a'} {noun} from the lists below, or search one by id.
          </p>
        ) : (
          <EntityDetail entity={selected} lab={lab} />
        )}
      </Panel>
      <LabSlot view="timeline" />
      <div className="stack-col">
        <EntityList kind="recent" lab={lab} onPick={pick} />
        <EntityList kind="flagged" lab={lab} onPick={pick} />
      </div>
    </div>
  );
}
