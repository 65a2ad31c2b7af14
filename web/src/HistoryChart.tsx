// The history of a segment's member count or a measure's value over evaluations, with the thresholds of the
// subscriptions and flows watching it drawn as reference lines.
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

/** Rows of {time, <series>: number}: memberCount, value, or one series per dimension value. */
function toRows(history: HistoryPoint[]): { rows: Array<Record<string, number | string>>; series: string[] } {
  const series = new Set<string>();
  const rows = history
    .slice()
    .sort((a, b) => a.evaluatedAt.localeCompare(b.evaluatedAt))
    .map((p) => {
      const row: Record<string, number | string> = { time: new Date(p.evaluatedAt).toLocaleString() };
      if (typeof p.memberCount === 'number') row.members = p.memberCount;
      if (typeof p.value === 'number') row.value = p.value;
      for (const v of p.values ?? []) if (typeof v.value === 'number') row[dimensionLabel(v.dimension)] = v.value;
      for (const k of Object.keys(row)) if (k !== 'time') series.add(k);
      return row;
    });
  return { rows, series: [...series] };
}

export function HistoryChart({ history, thresholds }: { history: HistoryPoint[]; thresholds: number[] }) {
  if (history.length === 0) return <Empty>No evaluations yet: the history fills with each refresh.</Empty>;
  const { rows, series } = toRows(history);
  return (
    <div className="chart" aria-label="History chart">
      <ResponsiveContainer width="100%" height={260}>
        <LineChart data={rows} margin={{ top: 10, right: 30, left: 10, bottom: 10 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="time" tick={{ fontSize: 12 }} />
          <YAxis tick={{ fontSize: 12 }} />
          <Tooltip />
          <Legend />
          {series.map((s, i) => (
            <Line key={s} type="monotone" dataKey={s} stroke={colors[i % colors.length]} dot />
          ))}
          {thresholds.map((t) => (
            <ReferenceLine
              key={t}
              y={t}
              // A threshold the values have not reached yet is drawn too: the axis grows to show it.
              ifOverflow="extendDomain"
              stroke="#dc2626"
              strokeDasharray="6 3"
              label={{ value: `threshold ${t}`, position: 'right', fontSize: 12 }}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
