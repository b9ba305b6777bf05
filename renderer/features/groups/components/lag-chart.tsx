// A group's lag per partition over the last 30 minutes (uPlot): one line per partition, lag in records or in seconds
// (a toggle), the rebalances as dashed vertical markers. Asks groups:lag-history on open and every second while shown.
import { useEffect, useMemo, useRef, useState } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './lag-chart.css';
import type { LagHistoryResponse } from '../../../../main/console/contract/console-api';
import { useClient } from '../../../lib/client-context';
import { errorMessage } from '../../../lib/console-client';
import { lagChartData, type LagChartData, type LagUnit } from '../lag-chart-data';

const REFRESH_MS = 1000;
const HEIGHT = 220;

export function LagChart({ groupId }: { groupId: string }) {
  const client = useClient();
  const [history, setHistory] = useState<LagHistoryResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [unit, setUnit] = useState<LagUnit>('records');

  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const h = await client.request['groups:lag-history']({ groupId });
        if (!stopped) {
          setHistory(h);
          setError(null);
        }
      } catch (err) {
        if (!stopped) setError(errorMessage(err));
      }
    };
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [client, groupId]);

  const shaped = useMemo(() => (history === null ? null : lagChartData(history, unit)), [history, unit]);
  const samples = history?.times.length ?? 0;
  return (
    <div className="lag-chart" data-testid={`lag-chart-${groupId}`} data-samples={samples}>
      <div className="lag-chart-head">
        <span role="group" aria-label="Lag unit" className="segmented">
          {(['records', 'seconds'] as const).map((u) => (
            <button key={u} type="button" className="small" aria-pressed={unit === u} onClick={() => setUnit(u)}>
              {u === 'records' ? 'Lag (records)' : 'Lag (seconds)'}
            </button>
          ))}
        </span>
        <span className="hint">
          {samples} samples over the last {Math.round((history?.windowMs ?? 1_800_000) / 60_000)} min,{' '}
          <span data-testid="lag-chart-rebalances">{history?.rebalances.length ?? 0}</span>{' '}
          {history?.rebalances.length === 1 ? 'rebalance' : 'rebalances'} (dashed).
          {unit === 'seconds' &&
            ' Seconds are an estimate: lag ÷ the partition’s recent produce rate (blank while nothing is produced).'}
        </span>
      </div>
      {error !== null && <p className="text-bad">{error}</p>}
      {shaped !== null && shaped.data[0].length > 0 ? (
        <Plot shaped={shaped} unit={unit} />
      ) : (
        <p className="hint">No samples yet: the history fills at every poll of the group.</p>
      )}
    </div>
  );
}

function Plot({ shaped, unit }: { shaped: LagChartData; unit: LagUnit }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const markers = useRef(shaped.markers);
  markers.current = shaped.markers;
  const data = useRef(shaped.data);
  data.current = shaped.data;
  const shape = `${unit} ${shaped.series.map((s) => s.label).join(',')}`;

  // a new plot when the unit or the partitions change; otherwise only its data
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    let p: uPlot | null = null;
    let resize: ResizeObserver | null = null;
    let gone = false;
    // loaded on first use: uPlot reads window.matchMedia as it loads
    void import('uplot').then(
      ({ default: UPlot }) => {
        if (gone) return;
        p = new UPlot(options(UPlot), data.current, el);
        plot.current = p;
        const chart = p;
        resize = new ResizeObserver(() => chart.setSize({ width: Math.max(300, el.clientWidth), height: HEIGHT }));
        resize.observe(el);
      },
      () => undefined,
    ); // no canvas to draw on (jsdom): the head and its counts still show
    const options = (UPlot: typeof uPlot): uPlot.Options => ({
      width: Math.max(300, el.clientWidth),
      height: HEIGHT,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
      axes: [{}, { label: unit === 'records' ? 'records' : 'seconds', size: 60 }],
      series: [
        {},
        ...shaped.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : unit === 'records' ? String(v) : `${v} s`),
        })),
      ],
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = '#b42318';
            ctx.fillStyle = '#b42318';
            ctx.setLineDash([6, 4]);
            ctx.textAlign = 'left';
            ctx.lineWidth = 1.5 * UPlot.pxRatio;
            ctx.font = `${11 * UPlot.pxRatio}px system-ui`;
            let labelledAt = -Infinity;
            for (const m of markers.current) {
              const x = u.valToPos(m.x, 'x', true);
              if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              // close markers share one label
              if (x - labelledAt < 70 * UPlot.pxRatio) continue;
              labelledAt = x;
              ctx.fillText('rebalance', x + 4 * UPlot.pxRatio, u.bbox.top + 12 * UPlot.pxRatio);
            }
            ctx.restore();
          },
        ],
      },
    });
    return () => {
      gone = true;
      resize?.disconnect();
      p?.destroy();
      plot.current = null;
    };
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(shaped.data);
  }, [shaped]);

  return (
    <div
      ref={box}
      className="lag-plot"
      role="img"
      aria-label={`Lag in ${unit} per partition, ${shaped.markers.length} rebalances marked`}
      title={shaped.markers.map((m) => `${new Date(m.x * 1000).toLocaleTimeString()}: ${m.label}`).join('\n')}
    />
  );
}
