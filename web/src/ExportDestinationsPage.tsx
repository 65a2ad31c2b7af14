// Admin > Export destinations: one tile per way events leave Insightflow — Power Automate (connector), a webhook,
// Microsoft Teams and Slack (built-in flows), e-mail (SMTP settings). The chosen tile is part of the path, so that a
// reload keeps it: /admin/export-destinations/<tile>.
import type { ReactNode } from 'react';
import { EmailSettingsForm } from './EmailSettingsForm.tsx';
import { PowerAutomateSetup } from './PowerAutomateSetup.tsx';
import { navigate, usePath } from './router.ts';
import { WebhookSetup } from './WebhookSetup.tsx';

const basePath = '/admin/export-destinations';

interface Tile {
  slug: string;
  title: string;
  text: string;
  action: string;
  /** The panel below the tiles; tiles without one open the flow editor with their step. */
  panel?: () => ReactNode;
  flowStep?: string;
}

const tiles: Tile[] = [
  {
    slug: 'power-automate',
    title: 'Power Automate',
    text: 'Custom connector with the actions and six triggers, for Power Automate, Power Apps and Logic Apps.',
    action: 'Set up',
    panel: () => <PowerAutomateSetup />,
  },
  {
    slug: 'webhook',
    title: 'Webhook',
    text: 'Signed HTTP POSTs (Standard Webhooks or CloudEvents) to your endpoint, retried and logged.',
    action: 'Add webhook',
    panel: () => <WebhookSetup />,
  },
  {
    slug: 'teams',
    title: 'Microsoft Teams',
    text: 'A built-in flow that posts an Adaptive Card to a channel through an incoming webhook or Workflows URL.',
    action: 'Create a flow',
    flowStep: 'teams.postMessage',
  },
  {
    slug: 'slack',
    title: 'Slack',
    text: 'A built-in flow that posts a message to a channel through a Slack incoming webhook.',
    action: 'Create a flow',
    flowStep: 'slack.postMessage',
  },
  {
    slug: 'email',
    title: 'E-mail',
    text: 'SMTP settings for built-in flows that mail data owners or any address.',
    action: 'Configure',
    panel: () => <EmailSettingsForm />,
  },
];

export function ExportDestinationsPage() {
  const path = usePath();
  const current = tiles.find((t) => path === `${basePath}/${t.slug}`);
  const open = (t: Tile) =>
    navigate(t.flowStep ? `/flows/new?step=${encodeURIComponent(t.flowStep)}` : `${basePath}/${t.slug}`);
  return (
    <section>
      <header className="page-header">
        <h1>Export destinations</h1>
      </header>
      <div className="tiles">
        {tiles.map((t) => (
          <article
            key={t.slug}
            className={t === current ? 'tile selected' : 'tile'}
            aria-labelledby={`tile-${t.slug}`}
            data-tile={t.slug}
          >
            <h2 id={`tile-${t.slug}`}>{t.title}</h2>
            <p>{t.text}</p>
            <button type="button" className={t === current ? 'primary' : undefined} onClick={() => open(t)}>
              {t.action}
            </button>
          </article>
        ))}
      </div>
      {current?.panel?.()}
    </section>
  );
}
