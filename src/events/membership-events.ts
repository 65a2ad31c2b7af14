// segment.membership.changed: who entered or left a segment in one evaluation, for the subscriptions on that
// segment. A subscription without perProfile gets one summary event (counts and a link to the changes); with
// perProfile it gets one event per changed customer, at most maxProfiles, then — when there were more — one summary
// with truncated: true. An event is stored once and delivered to every subscription that wants it; events and their
// deliveries are inserted a few hundred rows per statement, so an evaluation with many changes stays cheap.
import type { Db } from '../store/index.ts';
import { payloadSchemas } from './catalog.ts';
import type { Subscription } from './subscriptions.ts';
import { defaultMaxProfiles } from './subscriptions.ts';

/** A changed customer with the unified attributes of the evaluated Customer (null when the profile is gone). */
export interface ChangedProfile {
  customerId: string;
  profile: Record<string, unknown> | null;
}

export interface MembershipChange {
  instanceId: string;
  segmentId: string;
  segmentName: string;
  owners: string[];
  entered: number;
  exited: number;
  memberCount: number;
  evaluatedAt: string;
  jobId: string;
  /** Absolute URL of Get items on SegmentMembershipChanges filtered to this segment and job. */
  changesLink: string;
  /** The first changed customers of each kind (in CustomerId order), as many as the per-profile subscriptions of
   * the segment may need (profilesWanted). */
  profiles: { entered: ChangedProfile[]; exited: ChangedProfile[] };
}

export interface NewEvent {
  id: string;
  time: string;
  data: Record<string, unknown>;
}

export interface MembershipEmitDeps {
  subscriptions(tx: Db): Promise<Subscription[]>;
  insertEvents(tx: Db, items: Array<{ data: Record<string, unknown>; subject: string | null }>): Promise<NewEvent[]>;
  deliver(tx: Db, sub: Subscription, events: NewEvent[]): Promise<void>;
}

type Kind = 'entered' | 'exited';

const kindsOf = (sub: Subscription): Kind[] => {
  const c = sub.params.change ?? 'both';
  return c === 'both' ? ['entered', 'exited'] : [c];
};

/** How many changes of the evaluation a subscription wants (its change parameter). */
const wantedCount = (sub: Subscription, counts: { entered: number; exited: number }): number =>
  kindsOf(sub).reduce((n, k) => n + counts[k], 0);

const capOf = (sub: Subscription): number => sub.params.maxProfiles ?? defaultMaxProfiles;

/** Profiles to fetch per kind for the per-profile subscriptions on a segment: the largest cap among them (0: none). */
export function profilesWanted(subs: Subscription[], segmentId: string): number {
  return subs
    .filter((s) => s.params.segmentId === segmentId && s.params.perProfile === true)
    .reduce((n, s) => Math.max(n, capOf(s)), 0);
}

export async function emitMembershipChanged(tx: Db, c: MembershipChange, deps: MembershipEmitDeps): Promise<number> {
  const subs = (await deps.subscriptions(tx)).filter((s) => s.params.segmentId === c.segmentId);
  const counts = { entered: c.entered, exited: c.exited };
  const interested = subs.filter((s) => wantedCount(s, counts) > 0);
  if (interested.length === 0) return 0;
  const summary = payloadSchemas['segment.membership.changed'].parse({
    segmentId: c.segmentId,
    segmentName: c.segmentName,
    owners: c.owners,
    entered: c.entered,
    exited: c.exited,
    memberCount: c.memberCount,
    evaluatedAt: c.evaluatedAt,
    jobId: c.jobId,
    changesLink: c.changesLink,
    truncated: false,
  }) as Record<string, unknown>;
  let stored = 0;
  const once = async (data: Record<string, unknown>, to: Subscription[]) => {
    if (to.length === 0) return;
    const [event] = await deps.insertEvents(tx, [{ data, subject: null }]);
    stored++;
    for (const sub of to) await deps.deliver(tx, sub, [event as NewEvent]);
  };
  await once(
    summary,
    interested.filter((s) => s.params.perProfile !== true),
  );

  const perProfile = interested.filter((s) => s.params.perProfile === true);
  if (perProfile.length === 0) return stored;
  // Each subscription's share: its kinds in order (entered, then exited), cut at its cap.
  const shares = perProfile.map((sub) => ({
    sub,
    list: kindsOf(sub)
      .flatMap((change) => c.profiles[change].map((p) => ({ change, p })))
      .slice(0, capOf(sub)),
  }));
  const keyOf = (change: Kind, customerId: string) => `${change}\u0000${customerId}`;
  const needed = new Map<string, { change: Kind; p: ChangedProfile }>();
  for (const { list } of shares) for (const item of list) needed.set(keyOf(item.change, item.p.customerId), item);
  const items = [...needed.values()];
  const events = await deps.insertEvents(
    tx,
    items.map(({ change, p }) => ({
      data: { ...summary, customerId: p.customerId, change, profile: p.profile },
      subject: null,
    })),
  );
  stored += events.length;
  const byKey = new Map(items.map((item, i) => [keyOf(item.change, item.p.customerId), events[i] as NewEvent]));
  for (const { sub, list } of shares)
    await deps.deliver(
      tx,
      sub,
      list.map((item) => byKey.get(keyOf(item.change, item.p.customerId)) as NewEvent),
    );
  await once(
    { ...summary, truncated: true },
    perProfile.filter((s) => wantedCount(s, counts) > capOf(s)),
  );
  return stored;
}

/** Whether a stored segment.membership.changed event belongs to a subscription (replay): the segment, the kind of
 * event (summary, per-profile, truncated summary) and the change it asks for. */
export function membershipEventMatches(sub: Subscription, data: Record<string, unknown>): boolean {
  if (sub.params.segmentId !== data.segmentId) return false;
  const counts = { entered: Number(data.entered ?? 0), exited: Number(data.exited ?? 0) };
  if (typeof data.customerId === 'string')
    return sub.params.perProfile === true && kindsOf(sub).includes(data.change as Kind);
  if (data.truncated === true) return sub.params.perProfile === true && wantedCount(sub, counts) > capOf(sub);
  return sub.params.perProfile !== true && wantedCount(sub, counts) > 0;
}
