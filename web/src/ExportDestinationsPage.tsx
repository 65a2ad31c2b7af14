// Admin > Export destinations: one tile per way events leave Insightflow — Power Automate (connector), a webhook,
// Microsoft Teams and Slack (built-in flows), e-mail (SMTP settings) — each saying what is set up; the public URL the
// connector uses; and the connections, revocable. The chosen tile is part of the path, so that a reload keeps it:
// /admin/export-destinations/<tile>.
import type { ReactNode } from 'react';
import { api, ApiError, listOrEmpty, type List } from './api.ts';
import { ConnectionsList, type Connection } from './ConnectionsList.tsx';
import { EmailSettingsForm } from './EmailSettingsForm.tsx';
import { ConnectorUrl, PowerAutomateSetup } from './PowerAutomateSetup.tsx';
import { navigate, usePath } from './router.ts';
import type { Flow, Subscription } from './shapes.ts';
import { useLoad } from './use-load.ts';
import { WebhookSetup } from './WebhookSetup.tsx';

const basePath = '/admin/export-destinations';

interface Tile {
  slug: string;
  title: string;
  text: string;
  action: string;
  /** The panel below the tiles; tiles without one open the flow editor with their step. */
  panel?: (ctx: { onChanged: () => void }) => ReactNode;
  flowStep?: string;
  /** What is set up, in words, from what the instance has. */
  state: (s: SetUp) => string | null;
}

/** What the instance has that the tiles report on (null: not readable with this connection's role). */
interface SetUp {
  connections: Connection[] | null;
  subscriptions: Subscription[];
  flows: Flow[];
  email: boolean | null;
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const flowsWith = (s: SetUp, step: string) => s.flows.filter((f) => f.steps.some((x) => x.type === step)).length;
const stateText = (parts: Array<[number, string]>): string | null =>
  parts.some(([n]) => n > 0)
    ? parts
        .filter(([n]) => n > 0)
        .map(([, text]) => text)
        .join(', ')
    : null;

const tiles: Tile[] = [
  {
    slug: 'power-automate',
    title: 'Power Automate',
    text: 'Custom connector with the actions and six triggers, for Power Automate, Power Apps and Logic Apps.',
    action: 'Set up',
    panel: ({ onChanged }) => <PowerAutomateSetup onCreated={onChanged} />,
    state: (s) => {
      const subs = s.subscriptions.filter((x) => x.style === 'powerautomate').length;
      return stateText([
        [s.connections?.length ?? 0, count(s.connections?.length ?? 0, 'connection')],
        [subs, count(subs, 'trigger subscription')],
      ]);
    },
  },
  {
    slug: 'webhook',
    title: 'Webhook',
    text: 'Signed HTTP POSTs (Standard Webhooks or CloudEvents) to your endpoint, retried and logged.',
    action: 'Add webhook',
    panel: () => <WebhookSetup />,
    state: (s) => {
      const n = s.subscriptions.filter((x) => x.style === 'webhook').length;
      return stateText([[n, count(n, 'webhook')]]);
    },
  },
  {
    slug: 'teams',
    title: 'Microsoft Teams',
    text: 'A built-in flow that posts an Adaptive Card to a channel through an incoming webhook or Workflows URL.',
    action: 'Create a flow',
    flowStep: 'teams.postMessage',
    state: (s) => stateText([[flowsWith(s, 'teams.postMessage'), count(flowsWith(s, 'teams.postMessage'), 'flow')]]),
  },
  {
    slug: 'slack',
    title: 'Slack',
    text: 'A built-in flow that posts a message to a channel through a Slack incoming webhook.',
    action: 'Create a flow',
    flowStep: 'slack.postMessage',
    state: (s) => stateText([[flowsWith(s, 'slack.postMessage'), count(flowsWith(s, 'slack.postMessage'), 'flow')]]),
  },
  {
    slug: 'email',
    title: 'E-mail',
    text: 'SMTP settings for built-in flows that mail data owners or any address.',
    action: 'Configure',
    panel: () => <EmailSettingsForm />,
    state: (s) => (s.email ? 'SMTP settings saved' : null),
  },
];

/** A value, or null when the connection's role may not read it (403) or it does not exist (404). */
async function orNull<T>(load: Promise<T>): Promise<T | null> {
  try {
    return await load;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 403 || e.status === 404)) return null;
    throw e;
  }
}

export function ExportDestinationsPage() {
  const path = usePath();
  const current = tiles.find((t) => path === `${basePath}/${t.slug}`);
  const connections = useLoad(() => api.get<List<Connection>>('~/connections'), []);
  const others = useLoad(
    async () => ({
      subscriptions: (await listOrEmpty<Subscription>('~/subscriptions')).value,
      flows: (await listOrEmpty<Flow>('~/flows')).value,
      email: (await orNull(api.get('~/manage/settings/email'))) !== null,
    }),
    [],
  );
  const setUp: SetUp | null = others.data ? { ...others.data, connections: connections.data?.value ?? null } : null;
  const open = (t: Tile) =>
    navigate(t.flowStep ? `/flows/new?step=${encodeURIComponent(t.flowStep)}` : `${basePath}/${t.slug}`);
  return (
    <section>
      <header className="page-header">
        <h1>Export destinations</h1>
      </header>
      {/* The Power Automate panel shows the URL in its own steps. */}
      {current?.slug === 'power-automate' ? null : <ConnectorUrl />}
      <div className="tiles">
        {tiles.map((t) => {
          const state = setUp ? t.state(setUp) : undefined;
          return (
            <article
              key={t.slug}
              className={t === current ? 'tile selected' : 'tile'}
              aria-labelledby={`tile-${t.slug}`}
              data-tile={t.slug}
            >
              <h2 id={`tile-${t.slug}`}>{t.title}</h2>
              <p>{t.text}</p>
              <p className={state ? 'tile-state set' : 'tile-state'}>
                {state === undefined ? '…' : state ? `Set up: ${state}` : 'Not set up yet'}
              </p>
              <button type="button" className={t === current ? 'primary' : undefined} onClick={() => open(t)}>
                {t.action}
              </button>
            </article>
          );
        })}
      </div>
      {current?.panel?.({
        onChanged: () => {
          connections.reload();
          others.reload();
        },
      })}
      <ConnectionsList connections={connections} />
    </section>
  );
}
