// The scheduled full refresh (GET/PUT …/manage/schedule): on/off, IANA time zone and cron entries.
import { useEffect, useState, type FormEvent } from 'react';
import { api } from './api.ts';
import type { Schedule } from './shapes.ts';
import { useAction, useLoad } from './use-load.ts';
import { ErrorBox, Field } from './widgets.tsx';

export function ScheduleEditor() {
  const loaded = useLoad(() => api.get<Schedule>('~/manage/schedule'), []);
  const [enabled, setEnabled] = useState(false);
  const [timezone, setTimezone] = useState('UTC');
  const [cron, setCron] = useState('');
  const [saved, setSaved] = useState(false);
  const action = useAction();

  useEffect(() => {
    if (!loaded.data) return;
    setEnabled(loaded.data.enabled);
    setTimezone(loaded.data.timezone);
    setCron(loaded.data.cron.join('\n'));
  }, [loaded.data]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    void action.run(async () => {
      const entries = cron
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      await api.put<Schedule>('~/manage/schedule', { enabled, timezone, cron: entries });
      setSaved(true);
    });
  };

  return (
    <form className="card form" onSubmit={submit} aria-label="Refresh schedule">
      <h2>Refresh schedule</h2>
      <ErrorBox error={loaded.error} />
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Run a full refresh on
        this schedule
      </label>
      <div className="grid2">
        <Field label="Time zone" hint="IANA name, e.g. Europe/Berlin.">
          <input value={timezone} onChange={(e) => setTimezone(e.target.value)} />
        </Field>
        <Field label="Cron entries" hint="One per line: 5 fields, or 6 with leading seconds (e.g. 0 3 * * *).">
          <textarea rows={3} value={cron} onChange={(e) => setCron(e.target.value)} />
        </Field>
      </div>
      <ErrorBox error={action.error} />
      <div className="row">
        <button type="submit" disabled={action.busy}>
          Save schedule
        </button>
        {saved ? <span className="ok">Saved.</span> : null}
      </div>
    </form>
  );
}
