// The history of a segment's member count or a measure's value over evaluations, with the thresholds of the
// subscriptions and flows watching it drawn as reference lines. The x axis is a time scale (points at their
// evaluation times, ticks formatted for the span shown); labels are placed inside the plot so that none is clipped.
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { HistoryPoint } from './shapes.ts';
import { Empty } from './widgets.tsx';

const colors = ['#2563eb', '#16a34a', '#db2777', '#ea580c', '#7c3aed', '#0891b2'];

const dimensionLabel = (d: Record<string, unknown> | undefined) =>
  d ? Object.values(d).map(String).join(' / ') : 'value';

/** Rows of {t: epoch ms, <series>: number}: memberCount, value, or one series per dimension value. */
function toRows(history: HistoryPoint[]): { rows: Array<Record<string, number>>; series: string[] } {
  const series = new Set<string>();
  const rows = history
    .slice()
    .sort((a, b) => a.evaluatedAt.localeCompare(b.evaluatedAt))
    .map((p) => {
      const row: Record<string, number> = { t: Date.parse(p.evaluatedAt) };
      if (typeof p.memberCount === 'number') row.members = p.memberCount;
      if (typeof p.value === 'number') row.value = p.value;
      for (const v of p.values ?? []) if (typeof v.value === 'number') row[dimensionLabel(v.dimension)] = v.value;
      for (const k of Object.keys(row)) if (k !== 't') series.add(k);
      return row;
    });
  return { rows, series: [...series] };
}

const hour = 3_600_000;
const day = 24 * hour;

/** Tick text for a time axis spanning `span` ms: clock times within a day, dates (and hours) beyond. */
function timeFormat(span: number): (t: number) => string {
  const f = new Intl.DateTimeFormat(
    undefined,
    span < 2 * 60_000
      ? { hour: '2-digit', minute: '2-digit', second: '2-digit' }
      : span < day
        ? { hour: '2-digit', minute: '2-digit' }
        : span < 14 * day
          ? { month: 'short', day: 'numeric', hour: '2-digit' }
          : { year: 'numeric', month: 'short', day: 'numeric' },
  );
  return (t) => f.format(new Date(t));
}

const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

export function HistoryChart({ history, thresholds }: { history: HistoryPoint[]; thresholds: number[] }) {
  if (history.length === 0) return <Empty>No evaluations yet: the history fills with each refresh.</Empty>;
  const { rows, series } = toRows(history);
  const first = rows[0]?.t ?? 0;
  const last = rows.at(-1)?.t ?? first;
  // A real time scale: points sit at their evaluation times; a single point gets an hour either side.
  const pad = last > first ? 0 : hour;
  const domain = [first - pad, last + pad];
  const format = timeFormat(domain[1]! - domain[0]!);
  const sorted = [...thresholds].sort((a, b) => a - b);
  const whole = rows.every((r) => Object.values(r).every((v) => Number.isInteger(v))) && sorted.every(Number.isInteger);
  return (
    <div className="chart" aria-label="History chart">
      <ResponsiveContainer width="100%" height={280}>
        <LineChart data={rows} margin={{ top: 16, right: 24, left: 8, bottom: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={domain}
            tickFormatter={format}
            tick={{ fontSize: 12 }}
            tickCount={6}
            minTickGap={24}
            interval="preserveStartEnd"
          />
          <YAxis
            tick={{ fontSize: 12 }}
            tickFormatter={(v: number) => compact.format(v)}
            width={52}
            allowDecimals={!whole}
          />
          <Tooltip labelFormatter={(t) => new Date(Number(t)).toLocaleString()} />
          <Legend />
          {series.map((s, i) => (
            <Line key={s} type="linear" dataKey={s} stroke={colors[i % colors.length]} dot isAnimationActive={false} />
          ))}
          {sorted.map((t, i) => (
            <ReferenceLine
              key={t}
              y={t}
              // A threshold the values have not reached yet is drawn too: the axis grows to show it.
              ifOverflow="extendDomain"
              stroke="#b91c1c"
              strokeDasharray="6 3"
              // Inside the plot, so it is never clipped; neighbouring lines take turns left and right.
              label={{
                value: `threshold ${t}`,
                position: i % 2 === 0 ? 'insideTopRight' : 'insideTopLeft',
                fontSize: 12,
                fill: '#b91c1c',
              }}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
