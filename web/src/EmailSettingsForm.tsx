// E-mail > Configure: the instance's SMTP settings (PUT ~/manage/settings/email). The server never returns the
// password, only whether one is stored: an empty password field keeps it.
import { useState, type FormEvent } from 'react';
import { api, ApiError } from './api.ts';
import { navigate } from './router.ts';
import { useAction, useLoad } from './use-load.ts';
import { ErrorBox, Field } from './widgets.tsx';

interface EmailSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  from: string;
  hasPassword: boolean;
}

const blank: EmailSettings = { host: '', port: 587, secure: false, user: '', from: '', hasPassword: false };

export function EmailSettingsForm() {
  const stored = useLoad(async () => {
    try {
      return await api.get<EmailSettings>('~/manage/settings/email');
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return blank;
      throw err;
    }
  }, []);
  return (
    <section className="card" aria-label="E-mail settings">
      <h2>E-mail (SMTP)</h2>
      <ErrorBox error={stored.error} />
      {stored.data ? <SmtpForm initial={stored.data} /> : null}
      <h3>Send e-mail from a flow</h3>
      <p className="muted">E-mail steps of built-in flows send through this server.</p>
      <button type="button" onClick={() => navigate('/flows/new?step=email.send')}>
        Create an e-mail flow
      </button>
    </section>
  );
}

function SmtpForm({ initial }: { initial: EmailSettings }) {
  const [s, setS] = useState(initial);
  const [password, setPassword] = useState('');
  const [removePassword, setRemovePassword] = useState(false);
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const set = (patch: Partial<EmailSettings>) => {
    setS({ ...s, ...patch });
    setSaved(false);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      const body = {
        host: s.host,
        port: s.port,
        secure: s.secure,
        ...(s.user ? { user: s.user } : {}),
        ...(removePassword ? { password: null } : password ? { password } : {}),
        from: s.from,
      };
      setS(await api.put<EmailSettings>('~/manage/settings/email', body));
      setPassword('');
      setRemovePassword(false);
      setSaved(true);
    });
  };
  return (
    <form className="form" onSubmit={submit} aria-label="SMTP settings">
      <div className="grid2">
        <Field label="SMTP host">
          <input name="host" value={s.host} onChange={(e) => set({ host: e.target.value })} required />
        </Field>
        <Field label="Port" hint="587 with STARTTLS, 465 with TLS.">
          <input
            name="port"
            type="number"
            min={1}
            max={65535}
            value={s.port}
            onChange={(e) => set({ port: Number(e.target.value) })}
            required
          />
        </Field>
        <Field label="User">
          <input name="user" value={s.user ?? ''} onChange={(e) => set({ user: e.target.value })} autoComplete="off" />
        </Field>
        <Field label="Password" hint={s.hasPassword ? 'A password is stored; leave empty to keep it.' : undefined}>
          <input
            name="password"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="new-password"
            disabled={removePassword}
          />
        </Field>
        <Field label="From address">
          <input name="from" value={s.from} onChange={(e) => set({ from: e.target.value })} required />
        </Field>
      </div>
      <label className="check">
        <input type="checkbox" checked={s.secure} onChange={(e) => set({ secure: e.target.checked })} /> TLS from the
        start (port 465); otherwise STARTTLS when the server offers it
      </label>
      {s.hasPassword ? (
        <label className="check">
          <input type="checkbox" checked={removePassword} onChange={(e) => setRemovePassword(e.target.checked)} />{' '}
          Remove the stored password
        </label>
      ) : null}
      <ErrorBox error={action.error} />
      <div className="row">
        <button type="submit" className="primary" disabled={action.busy}>
          Save settings
        </button>
        {saved ? <span className="ok">Saved.</span> : null}
      </div>
    </form>
  );
}
