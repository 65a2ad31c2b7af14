// Small building blocks shared by the pages: error and empty states, status badges, progress, copy button.
import { cloneElement, isValidElement, useId, useState, type ReactElement, type ReactNode } from 'react';
import { ApiError, messageOf } from './api.ts';
import { Link } from './Link.tsx';
import type { Status } from './shapes.ts';

export function ErrorBox({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return (
    <div className="error" role="alert">
      {messageOf(error)}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function Badge({ status }: { status: Status | string }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

/** A bar for long work: determinate when `done`/`total` are known, else an indeterminate stripe. */
export function Progress({ done, total, label }: { done?: number; total?: number; label: string }) {
  const pct = total ? Math.round(((done ?? 0) / total) * 100) : undefined;
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuenow={pct}>
      <div className={pct === undefined ? 'bar indeterminate' : 'bar'} style={{ width: `${pct ?? 100}%` }} />
      <span>
        {label}
        {pct !== undefined ? ` — ${done}/${total}` : ''}
      </span>
    </div>
  );
}

export function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => setCopied(true));
      }}
    >
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

type Labelled = ReactElement<{ id?: string; 'aria-describedby'?: string }>;

/** A labelled control: the label names the control (for="…"), the hint describes it (aria-describedby). */
export function Field({ label, children, hint }: { label: string; children: ReactNode; hint?: string }) {
  const id = useId();
  if (!isValidElement(children))
    return (
      <label className="field">
        <span>{label}</span>
        {children}
      </label>
    );
  const control = children as Labelled;
  const controlId = control.props.id ?? id;
  return (
    <div className="field">
      <label htmlFor={controlId}>{label}</label>
      {cloneElement(control, { id: controlId, ...(hint ? { 'aria-describedby': `${id}-hint` } : {}) })}
      {hint ? <small id={`${id}-hint`}>{hint}</small> : null}
    </div>
  );
}

export function Json({ value }: { value: unknown }) {
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}

/** The way back from an item to its list, above the item's view. */
export function BackLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumb">
      <Link to={to}>← {children}</Link>
    </nav>
  );
}

/** An item that could not be loaded: not found (deleted, another instance) or another error. */
export function NotFound({ what, id, back, error }: { what: string; id: string; back: string; error: unknown }) {
  const gone = error instanceof ApiError && error.status === 404;
  return (
    <section>
      <BackLink to={back}>Back</BackLink>
      {gone ? (
        <Empty>
          There is no {what} <span className="mono">{id}</span> in this instance: it may have been deleted.
        </Empty>
      ) : (
        <ErrorBox error={error} />
      )}
    </section>
  );
}
