// Small formatting helpers shared by the views.

export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m} min ${s} s`;
}

export function formatRate(perSec: number | null | undefined): string {
  if (perSec === null || perSec === undefined) return '—';
  return perSec >= 10 ? `${Math.round(perSec)}/s` : `${perSec.toFixed(1)}/s`;
}

export function formatOffset(offset: string | null | undefined): string {
  return offset ?? '—';
}
