// Sign-in. With an identity provider (OpenID Connect) configured on the server: one button that goes through it and
// comes back to the page that was open. Without: a connection key, checked by listing the instances it can see, then
// kept in sessionStorage for this browser tab only.
import { useState, type FormEvent } from 'react';
import { api, session, type List } from './api.ts';
import { ErrorBox, Field } from './widgets.tsx';
import { useAction } from './use-load.ts';

export function SignIn({ oidc, onSignedIn }: { oidc: boolean; onSignedIn: () => void }) {
  if (oidc) {
    const back = `${window.location.pathname}${window.location.search}`;
    return (
      <main className="signin">
        <div className="card">
          <h1>Insightflow</h1>
          <p>Sign in with your organization&apos;s account.</p>
          <a className="button primary" href={`/auth/login?returnTo=${encodeURIComponent(back)}`}>
            Sign in
          </a>
        </div>
      </main>
    );
  }
  return <KeySignIn onSignedIn={onSignedIn} />;
}

function KeySignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  const action = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      session.signIn(key.trim());
      try {
        const { value } = await api.get<List<{ id: string }>>('/v1/instances');
        session.setInstance(value[0]?.id ?? 'default');
      } catch (err) {
        session.signOut();
        throw err;
      }
      onSignedIn();
    });
  };
  return (
    <div className="signin">
      <form onSubmit={submit} className="card">
        <h1>Insightflow</h1>
        <p>Sign in with a connection key (the system administrator key, or one created under Connections).</p>
        <Field label="Connection key">
          <input
            name="key"
            type="password"
            autoComplete="off"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            required
          />
        </Field>
        <ErrorBox error={action.error} />
        <button type="submit" className="primary" disabled={action.busy || !key.trim()}>
          Sign in
        </button>
      </form>
    </div>
  );
}
