import { Badge } from '../../../ui/badge';
import { useConsoleStore } from '../store';

const LABEL = {
  connecting: ['connecting to the console…', 'warn'],
  open: ['connected', 'ok'],
  closed: ['disconnected, retrying…', 'bad'],
  unauthorized: ['refused: open the URL with its token', 'bad'],
} as const;

export function ConnectionBadge() {
  const connection = useConsoleStore((s) => s.connection);
  const info = useConsoleStore((s) => s.info);
  const [label, tone] = LABEL[connection];
  return (
    <div className="connection">
      <Badge state={label} tone={tone} testId="connection" />
      {info !== null && (
        <span className="sub">
          {info.mode} mode · v{info.version}
          {info.provider !== null ? ` · ${info.provider} stack` : ''}
        </span>
      )}
    </div>
  );
}
