// The audit seam: every changing call (any method but GET, by a caller who authenticated) runs its handler inside
// one control-store transaction that also writes its audit row, so a change without its audit row cannot commit.
// Services need not know: the store's ambient transaction (sqlite.ts, postgres.ts) lets whatever they call join it.
// Action, target and summary come from the route definition, its path parameters, the reply and the names of the
// body's fields (src/audit/model.ts). Routes that are data, not configuration (real-time items), set `audit: false`.
// Uploads stream a body that may be large: their row is written in its own transaction right after the file is kept,
// so the store is not held while bytes arrive.
import { insertAudit, summarize, type Actor, type AuditEntry } from '../audit/index.ts';
import { newId } from '../core/ids.ts';
import type { Db } from '../store/index.ts';
import type { Principal } from '../tenancy/index.ts';
import type { Reply, RequestContext, Route } from './route.ts';

export const isAudited = (r: Route): boolean => r.method !== 'get' && r.access !== 'public' && r.audit !== false;

export function actorOf(p: Principal): Actor {
  if (p.user)
    return { type: 'user', id: p.user.id, email: p.user.email, ...(p.user.name ? { name: p.user.name } : {}) };
  return { type: 'connection', id: p.connectionId };
}

const singular = (word: string): string => word.replace(/ies$/, 'y').replace(/s$/, '');
const typeOfParam = (param: string): string => param.replace(/Id$/, '').toLowerCase();

/** What the call changed: the object its path names, or the one it created (the reply's id). */
export function targetOf(r: Route, params: Record<string, string>, replyId: string | undefined): AuditEntry['target'] {
  const parts = r.path.split('/').filter((p) => p !== '');
  const last = parts[parts.length - 1] as string;
  const before = parts[parts.length - 2] ?? '';
  const isParam = (p: string) => p.startsWith('{');
  const paramName = (p: string) => p.slice(1, -1);
  if (isParam(last)) return { type: typeOfParam(paramName(last)), id: params[paramName(last)] ?? '' };
  const created = r.method === 'post' && replyId !== undefined && last.endsWith('s');
  if (created) return { type: singular(last), id: replyId };
  if (isParam(before) && paramName(before) !== 'instanceId')
    return { type: typeOfParam(paramName(before)), id: params[paramName(before)] ?? '' };
  return { type: last, id: params.instanceId ?? replyId ?? '' };
}

const replyIdOf = (reply: Reply | Response): string | undefined => {
  if (reply instanceof Response) return undefined;
  const id = (reply.body as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
};

function entryFor(ctx: RequestContext<unknown, unknown>, r: Route, reply: Reply | Response): AuditEntry | undefined {
  const principal = ctx.principal;
  if (!principal) return undefined;
  if ((reply instanceof Response ? reply.status : reply.status) >= 400) return undefined;
  const replyId = replyIdOf(reply);
  const target = targetOf(r, ctx.params, replyId);
  const instanceId = ctx.params.instanceId ?? (target.type === 'instance' ? target.id : undefined);
  if (instanceId === undefined) return undefined;
  return {
    id: newId('aud'),
    instanceId,
    at: ctx.services.clock.now().toISOString(),
    actor: actorOf(principal),
    action: r.operationId,
    target,
    summary: summarize(r.summary, ctx.body),
    requestId: ctx.requestId,
  };
}

/** Runs the handler of a changing call with its audit row in one transaction. */
export async function runAudited(
  db: Db,
  r: Route,
  ctx: RequestContext<unknown, unknown>,
  handle: () => Promise<Reply | Response>,
): Promise<Reply | Response> {
  const write = async (tx: Db, reply: Reply | Response) => {
    const entry = entryFor(ctx, r, reply);
    if (entry) await insertAudit(tx, [entry]);
  };
  if (r.rawBody) {
    const reply = await handle();
    await db.tx((tx) => write(tx, reply));
    return reply;
  }
  return db.tx(async (tx) => {
    const reply = await handle();
    await write(tx, reply);
    return reply;
  });
}
