// A plain SVG line chart of a few series over time (no chart library: the outbox has one small chart).
export interface Series {
  name: string;
  className: string;
  points: { t: number; v: number }[];
}

export function LineChart({
  series,
  width = 640,
  height = 180,
  windowMs,
  now,
  label,
  testId,
}: {
  series: Series[];
  width?: number;
  height?: number;
  windowMs: number;
  now: number;
  label: string;
  testId?: string;
}) {
  const pad = { l: 44, r: 12, t: 10, b: 22 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const from = now - windowMs;
  let max = 1;
  for (const s of series) for (const p of s.points) if (p.t >= from && p.v > max) max = p.v;
  max = niceCeil(max);
  const x = (t: number) => pad.l + ((t - from) / windowMs) * w;
  const y = (v: number) => pad.t + h - (v / max) * h;
  const ticks = [0, max / 2, max];
  const span = windowMs >= 120_000 ? `−${Math.round(windowMs / 60_000)} min` : `−${Math.round(windowMs / 1000)} s`;
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} data-testid={testId}>
      {ticks.map((v) => (
        <g key={v}>
          <line className="chart-grid" x1={pad.l} x2={pad.l + w} y1={y(v)} y2={y(v)} />
          <text className="chart-tick" x={pad.l - 6} y={y(v) + 4} textAnchor="end">
            {Number.isInteger(v) ? v : v.toFixed(1)}
          </text>
        </g>
      ))}
      <text className="chart-tick" x={pad.l} y={height - 4}>
        {span}
      </text>
      <text className="chart-tick" x={pad.l + w} y={height - 4} textAnchor="end">
        now
      </text>
      {series.map((s) => {
        const pts = s.points.filter((p) => p.t >= from);
        if (pts.length === 0) return null;
        const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
        return <path key={s.name} className={`chart-line ${s.className}`} d={d} />;
      })}
    </svg>
  );
}

function niceCeil(v: number): number {
  const exp = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * exp >= v) return m * exp;
  return 10 * exp;
}
