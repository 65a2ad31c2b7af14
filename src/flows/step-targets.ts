// Save-time address checks of a flow's targets (SPEC §11): the URL of http.request steps and the webhook URL of
// Teams and Slack steps obey the target address policy when they are saved, as subscriptions do, and again when
// something is sent. A URL whose scheme or host is a template is known only when the step runs and is checked then;
// a literal non-http(s) scheme is refused at once.
import { AppError } from '../core/errors.ts';
import type { AllowList } from '../core/address-policy.ts';
import { checkTargetOnSave } from '../delivery/target-check.ts';
import type { FlowIn } from './model.ts';

const templateStart = /\{\{|\{%/;

/** The part of a URL that is known at save time, when it reaches past the host; else null. */
function literalUrl(url: string): string | null {
  const cut = url.search(templateStart);
  const literal = cut === -1 ? url : url.slice(0, cut);
  if (cut === -1) return literal;
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)[/?#]/i.exec(literal);
  return m ? `${m[1]}/` : null;
}

export async function checkStepTargets(steps: FlowIn['steps'], allow: AllowList): Promise<void> {
  for (const [i, step] of steps.entries()) {
    for (const field of ['url', 'webhookUrl'] as const) {
      const value = step[field];
      if (typeof value !== 'string') continue;
      const where = `steps.${i} (${step.name}).${field}`;
      const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
      if (scheme && scheme !== 'http' && scheme !== 'https')
        throw new AppError('TargetRefused', `${where}: the target must be an http(s) URL, not ${scheme}:`);
      const url = literalUrl(value);
      if (url === null) continue;
      try {
        await checkTargetOnSave(url, allow);
      } catch (err) {
        if (err instanceof AppError) throw new AppError(err.code, `${where}: ${err.message}`);
        throw err;
      }
    }
  }
}
