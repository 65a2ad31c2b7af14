// Admin › Members: the people of this instance by e-mail with their role. Admins invite (they use the instance once
// they sign in through the identity provider with that address), change roles and remove members.
import { useState, type FormEvent } from 'react';
import { api, type List } from './api.ts';
import { when } from './format.ts';
import { useAction, useLoad } from './use-load.ts';
import { Empty, ErrorBox, Field } from './widgets.tsx';

interface Member {
  id: string;
  email: string;
  role: string;
  createdAt: string;
}

const roles = ['viewer', 'contributor', 'admin'];

export function MembersPage() {
  const members = useLoad(() => api.get<List<Member>>('~/members'), []);
  const action = useAction();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('viewer');
  const invite = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      await api.post('~/members', { email: email.trim(), role });
      setEmail('');
      members.reload();
    });
  };
  const change = (m: Member, next: string) =>
    void action.run(async () => {
      await api.patch(`~/members/${m.id}`, { role: next });
      members.reload();
    });
  const remove = (m: Member) =>
    void action.run(async () => {
      if (!window.confirm(`Remove ${m.email} from this instance?`)) return;
      await api.del(`~/members/${m.id}`);
      members.reload();
    });
  const list = members.data?.value ?? [];
  return (
    <section>
      <header className="page-header">
        <h1>Members</h1>
      </header>
      <form className="card row" onSubmit={invite} aria-label="Invite a member">
        <Field label="E-mail address">
          <input type="email" name="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
        </Field>
        <Field label="Role">
          <select name="role" value={role} onChange={(e) => setRole(e.target.value)}>
            {roles.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </Field>
        <button type="submit" className="primary" disabled={action.busy || !email.trim()}>
          Invite
        </button>
      </form>
      <ErrorBox error={action.error ?? members.error} />
      {list.length === 0 && !members.loading && !members.error ? (
        <Empty>No members yet: invite people by their e-mail address.</Empty>
      ) : null}
      {list.length > 0 ? (
        <div className="table-box">
          <table className="table" aria-label="Members">
            <thead>
              <tr>
                <th scope="col">E-mail</th>
                <th scope="col">Role</th>
                <th scope="col">Invited</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((m) => (
                <tr key={m.id} data-member={m.email}>
                  <td>{m.email}</td>
                  <td>
                    <select
                      aria-label={`Role of ${m.email}`}
                      value={m.role}
                      disabled={action.busy}
                      onChange={(e) => change(m, e.target.value)}
                    >
                      {roles.map((r) => (
                        <option key={r}>{r}</option>
                      ))}
                    </select>
                  </td>
                  <td>{when(m.createdAt)}</td>
                  <td>
                    <button type="button" onClick={() => remove(m)} aria-label={`Remove ${m.email}`}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
