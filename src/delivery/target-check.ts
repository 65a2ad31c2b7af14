// Save-time checks of targets (flow step URLs, SMTP hosts): the address policy on the URL itself (scheme,
// credentials, literal addresses, localhost names), then on the addresses the host name resolves to. Resolution uses
// the DNS protocol directly (c-ares, off the thread pool) with a short timeout, so that a save never waits long and
// never takes the thread pool that file and lookup work share: a name that does not resolve in time is accepted here
// and checked again, on every connection, when something is sent.
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AppError } from '../core/errors.ts';
import { checkTargetUrl, classifyAddress, isAddressAllowed, type AllowList } from '../core/address-policy.ts';

/** Time one save may spend resolving a host name, ms. */
const resolveBudgetMs = 1500;

/** The addresses a host name resolves to within the budget; none when it does not resolve in time. */
export async function resolveQuickly(host: string): Promise<string[]> {
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  let timer: NodeJS.Timeout | undefined;
  const lookups = Promise.all([
    resolver.resolve4(host).catch(() => [] as string[]),
    resolver.resolve6(host).catch(() => [] as string[]),
  ]).then(([v4, v6]) => [...v4, ...v6]);
  const budget = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => {
      resolver.cancel();
      resolve([]);
    }, resolveBudgetMs);
  });
  try {
    return await Promise.race([lookups, budget]);
  } finally {
    clearTimeout(timer);
  }
}

const refuse = (what: string): AppError =>
  new AppError('TargetRefused', `${what}; allow it with INSIGHTFLOW_ALLOWED_TARGETS if this is intended`);

/** Refuses a host (a name or an address literal) that is, or resolves to, an address the policy refuses. */
export async function checkTargetHost(hostOrAddress: string, allow: AllowList): Promise<void> {
  const host = hostOrAddress.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (isIP(host)) {
    if (!isAddressAllowed(host, allow)) throw refuse(`the address ${host} is ${classifyAddress(host)}`);
    return;
  }
  if (/(^|\.)localhost$/i.test(host)) {
    if (!isAddressAllowed('127.0.0.1', allow)) throw refuse(`the host ${host} is loopback`);
    return;
  }
  const refused = (await resolveQuickly(host)).find((a) => !isAddressAllowed(a, allow));
  if (refused) throw refuse(`the host ${host} resolves to ${refused}, which is ${classifyAddress(refused)}`);
}

/** A target URL as saved: the URL policy, then its host's addresses. */
export async function checkTargetOnSave(url: string, allow: AllowList): Promise<void> {
  const u = checkTargetUrl(url, allow);
  await checkTargetHost(u.hostname, allow);
}
