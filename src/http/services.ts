// Everything the routes use, wired once at start (src/http/runtime.ts) and passed in; no container.
import type { SignIn } from '../auth/index.ts';
import type { NodeMembership } from '../cluster/index.ts';
import type { Config } from '../config/index.ts';
import type { RateLimiter } from '../connector/rate-limit.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import type { DataStore, SnapshotFollower } from '../datastore/index.ts';
import type { Outbox } from '../events/index.ts';
import type { JobRunner, JobServiceDeps, Scheduler } from '../jobs/index.ts';
import type { HttpSender } from '../delivery/http-sender.ts';
import type { WebhookDeps } from '../delivery/webhook-subscriptions.ts';
import type { DeliveryWorker } from '../delivery/worker.ts';
import type { FlowDeps } from '../flows/service.ts';
import type { FlowWorker } from '../flows/worker.ts';
import type { Metrics } from '../metrics/index.ts';
import type { SourceDeps } from '../sources/index.ts';
import type { Db } from '../store/index.ts';
import type { LastUsedRecorder, PrincipalCache } from '../tenancy/index.ts';

export interface Services {
  config: Readonly<Config>;
  db: Db;
  dataStore: DataStore;
  clock: Clock;
  log: Logger;
  outbox: Outbox;
  /** This node: its id, its lease, the sweeper of other nodes' lost work. */
  node: NodeMembership;
  /** Keeps this node's local copies up to the newest published snapshots (the snapshot version it serves). */
  snapshots: SnapshotFollower;
  runner: JobRunner;
  scheduler: Scheduler;
  jobs: JobServiceDeps;
  rateLimiter: RateLimiter;
  /** Principals of API keys and connections, kept in memory (src/tenancy/principal-cache.ts). */
  principals: PrincipalCache;
  /** Notes when each connection's key was used (written at most once a minute per connection and node). */
  lastUsed: LastUsedRecorder;
  /** The outbound HTTP client (webhooks, flow steps), bound to the target address policy. */
  sender: HttpSender;
  flowDeps: FlowDeps;
  flowWorker: FlowWorker;
  /** Sends webhook deliveries (subscriptions of style webhook and powerautomate). */
  deliveryWorker: DeliveryWorker;
  webhooks: WebhookDeps;
  /** 32-byte key derived from the server secret (encrypted settings, signed links). */
  secretKey: Buffer;
  /** HMAC key of API key hashes: kept across rotations of the server key (tenancy/secret-rotation.ts). */
  keyHashKey: Buffer;
  /** Prometheus metrics (GET /metrics). */
  metrics: Metrics;
  /** This node's name in metrics and logs. */
  nodeId: string;
  /** Base of absolute links made outside a request (changesLink of membership events): INSIGHTFLOW_PUBLIC_URL, else
   * the bound address, set by startRuntime once the server listens. */
  links: { base: string };
  /** What data sources need beyond the store: the key sealing their credentials, the target policy, and the
   * directories they read files from and stage web API rows in. */
  sources: SourceDeps & { importDir: string; tempDir: string };
  /** Sign-in of people through OpenID Connect; undefined when INSIGHTFLOW_OIDC_ISSUER is unset. */
  signIn: SignIn | undefined;
  /** Refuses an SMTP host that resolves to an address targets may not reach. */
  checkSmtpHost: (host: string) => Promise<void>;
}
