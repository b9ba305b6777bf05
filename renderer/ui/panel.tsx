import type { ReactNode } from 'react';

/** A titled section of a view; `hint` is one sentence for the first-time reader. */
export function Panel({
  title,
  hint,
  actions,
  children,
  testId,
  className,
}: {
  title: ReactNode;
  hint?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  testId?: string;
  className?: string;
}) {
  return (
    <section
      className={`panel ${className ?? ''}`}
      data-testid={testId}
      aria-label={typeof title === 'string' ? title : undefined}
    >
      <header className="panel-head">
        <div>
          <h2>{title}</h2>
          {hint !== undefined && <p className="hint">{hint}</p>}
        </div>
        {actions !== undefined && <div className="panel-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}
