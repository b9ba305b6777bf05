// A word a first-time student may not know (lag, rebalance, outbox …), with a tooltip on hover and keyboard focus.
// The tooltip is rendered only while shown (views carry dozens of terms); screen readers get the sentence as the
// word's description.
import { useId, useState, type ReactNode } from 'react';
import { GLOSSARY, type GlossaryTerm } from './glossary';

export function Term({ term, children }: { term: GlossaryTerm; children?: ReactNode }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  return (
    <span className="term">
      <span
        className="term-word"
        tabIndex={0}
        aria-description={GLOSSARY[term]}
        aria-describedby={open ? id : undefined}
        onMouseEnter={() => setOpen(true)}
        onMouseLeave={() => setOpen(false)}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
      >
        {children ?? term}
      </span>
      {open && (
        <span role="tooltip" id={id} className="term-tip">
          {GLOSSARY[term]}
        </span>
      )}
    </span>
  );
}
