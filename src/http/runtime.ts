// Wiring: opens the stores, builds the services, starts the workers and the HTTP server; stops them in order.
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { createNodeMembership, nodeIdOf, setSnapshotsSynced } from '../cluster/index.ts';
import { ConfigError, type Config } from '../config/index.ts';
import { readItemsPage } from '../connector/items.ts';
import { memoryRateLimiter, sharedRateLimiter } from '../connector/rate-limit.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { pruneAudit } from '../audit/index.ts';
import { createOidcClient, createSignIn, pruneSessions, type SignIn } from '../auth/index.ts';
import { errorInfo } from '../core/errors.ts';
import { resolveSecretKey } from '../core/secrets.ts';
import { parseAllowedTargets } from '../core/address-policy.ts';
import { createHttpSender } from '../delivery/http-sender.ts';
import { parseRetrySchedule } from '../delivery/retry-schedule.ts';
import { expireLostClaims } from '../delivery/deliveries.sql.ts';
import { webhookSink } from '../delivery/sink.ts';
import { checkTargetHost } from '../delivery/target-check.ts';
import { encryptStoredSecrets } from '../delivery/webhook-subscriptions.ts';
import { createDeliveryWorker } from '../delivery/worker.ts';
import { emailSettingsForSending } from '../flows/email-settings.ts';
import { createMailer } from '../flows/mailer.ts';
import { flowSink } from '../flows/sink.ts';
import { StepError } from '../flows/steps/index.ts';
import { expireLostRunClaims } from '../flows/flows.sql.ts';
import { createFlowWorker } from '../flows/worker.ts';
import { createLogger, type Logger } from '../core/log.ts';
import {
  createDataStore,
  createSnapshotFollower,
  removeVersionFiles,
  takeSnapshotGarbage,
} from '../datastore/index.ts';
import { defaultTop } from '../datastore/odata/index.ts';
import { createOutbox } from '../events/index.ts';
import { checkMeasureDimension, evaluationOrder, listMeasures, listSegments } from '../insights/index.ts';
import {
  createJobRunner,
  createScheduler,
  dropStagedTables,
  emitFullRefreshCompleted,
  endInterruptedJobs,
  type Job,
  ingestionTask,
  measureTask,
  publishTask,
  segmentTask,
  unificationTask,
} from '../jobs/index.ts';
import { createMetrics } from '../metrics/index.ts';
import { listDataSources } from '../sources/index.ts';
import { detached, openStore } from '../store/index.ts';
import {
  bootstrap,
  createPrincipalCache,
  lastUsedRecorder,
  rehashLegacyKeys,
  resolveKeyHashKey,
} from '../tenancy/index.ts';
import { loadDemo } from '../demo/load.ts';
import { createApp } from './app.ts';
import { routes } from './routes/index.ts';
import type { Services } from './services.ts';
import { webDistDir } from './static.ts';

export interface Runtime {
  services: Services;
  /** The bound address, e.g. http://127.0.0.1:8080. */
  url: string;
  /** The system administrator's key, when it was generated on this start. */
  generatedAdminKey: string | undefined;
  /** Settles when the demo workspace has been loaded (at once when there is none to load). */
  demo: Promise<void>;
  stop(): Promise<void>;
}

export async function createServices(
  config: Readonly<Config>,
  opts: { clock?: Clock; log?: Logger; schema?: string } = {},
): Promise<Services> {
  const clock = opts.clock ?? systemClock;
  const nodeId = nodeIdOf(config.dataDir);
  const log = opts.log ?? createLogger(config.logLevel, { node: nodeId });
  const db = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    ...(opts.schema ? { schema: opts.schema } : {}),
  });
  const local = createDataStore({ dir: path.join(config.dataDir, 'data'), memoryLimit: config.duckdbMemoryLimit });
  const snapshotsDir = path.join(config.sharedDir, 'snapshots');
  const snapshots = createSnapshotFollower({
    db,
    local,
    snapshotsDir,
    log,
    reportSynced: (at) => setSnapshotsSynced(db, nodeId, at),
  });
  // Reads and jobs go through the follower: an instance is brought up to its newest published snapshot first.
  const dataStore = snapshots.dataStore;
  const metrics = createMetrics({ db, node: nodeId, now: () => clock.now() });
  const allowList = parseAllowedTargets(config.allowedTargets);
  const sender = createHttpSender({ allowList });
  const secretKey = resolveSecretKey({ secretKey: config.secretKey, dataDir: config.dataDir });
  const keyHashKey = await resolveKeyHashKey(db, secretKey);
  const links = { base: config.publicUrl ?? hostUrl(config.host, config.port) };
  const sources = {
    secretKey,
    allowList,
    importDir: config.importDir,
    tempDir: path.join(config.dataDir, 'tmp'),
  };
  let wakeFlows = (): void => undefined;
  let wakeDeliveries = (): void => undefined;
  const deliverySink = webhookSink({ clock, wake: () => wakeDeliveries() });
  const outbox = createOutbox({
    clock,
    sinks: { flow: flowSink({ clock, wake: () => wakeFlows() }), webhook: deliverySink, powerautomate: deliverySink },
  });
  const jobDeps = {
    db,
    dataStore,
    outbox,
    clock,
    log,
    executors: {
      ingestion: ingestionTask({ dataStore: local, ...sources, maxJsonDepth: config.jsonMaxDepth, snapshotsDir }),
      unification: unificationTask(),
      segment: segmentTask({
        retentionDays: config.changesRetentionDays,
        publicUrl: () => links.base,
        snapshotsDir,
      }),
      measure: measureTask({ snapshotsDir }),
      publish: publishTask({ dataStore: local, snapshotsDir }),
    },
    onJobFinished: async (tx: typeof db, job: Job) => {
      tx.afterCommit(() => metrics.jobFinished(job));
      await emitFullRefreshCompleted(tx, outbox, job);
    },
  };
  const runner = createJobRunner({ ...jobDeps, nodeId });
  const node = createNodeMembership({
    db,
    clock,
    log,
    id: nodeId,
    leaseMs: config.nodeLeaseMs,
    address: `${config.host}:${config.port}`,
    sweeps: [
      (scope) => endInterruptedJobs(jobDeps, scope),
      (scope) => expireLostClaims(db, scope),
      (scope) => expireLostRunClaims(db, scope),
      async (scope) => {
        // Files of replaced versions, once every live node has synced past them and a grace period has passed.
        const before = new Date(Date.parse(scope.now) - 2 * config.nodeLeaseMs).toISOString();
        const gone = await takeSnapshotGarbage(db, { before, now: scope.now });
        for (const g of gone) removeVersionFiles(snapshotsDir, g.instanceId, [g.physical]);
        return 0;
      },
    ],
  });
  const jobs = {
    db,
    clock,
    planInputs: async (tx: typeof db, instanceId: string) => ({
      dataSources: await listDataSources(tx, instanceId),
      segments: evaluationOrder(await listSegments(tx, instanceId)),
      measures: await listMeasures(tx, instanceId),
    }),
    onSubmitted: () => detached(() => runner.wake()),
  };
  const rateLimiter = db.dialect === 'postgres' ? sharedRateLimiter(db) : memoryRateLimiter();
  const scheduler = createScheduler({ db, clock, log, jobs });
  const flowWorker = createFlowWorker({
    db,
    nodeId,
    clock,
    log,
    onRunFinished: (status) => metrics.flowRun(status),
    services: async (instanceId) => ({
      send: sender,
      sendMail: async (msg) => {
        const settings = await emailSettingsForSending(db, secretKey, instanceId);
        if (!settings)
          throw new StepError(
            'NotConfigured',
            'no e-mail settings: PUT /v1/instances/{instanceId}/manage/settings/email first',
          );
        return createMailer(settings, allowList)(msg);
      },
      readItems: async (q) => {
        const page = await readItemsPage({ db, dataStore, snapshots, clock }, instanceId, q.entity, {
          filter: q.filter,
          select: q.select,
          top: String(q.top ?? defaultTop),
        });
        return { value: page.value };
      },
    }),
  });
  wakeFlows = () => detached(() => flowWorker.wake());
  const deliveryWorker = createDeliveryWorker({
    db,
    nodeId,
    clock,
    log,
    send: sender,
    secretKey,
    schedule: parseRetrySchedule(config.retrySchedule),
    onOutcome: (outcome, latencyMs) => metrics.delivery(outcome, latencyMs / 1000),
  });
  wakeDeliveries = () => detached(() => deliveryWorker.wake());
  const checkSmtpHost = (host: string) => checkTargetHost(host, allowList);
  const signIn: SignIn | undefined = config.oidc
    ? createSignIn({
        db,
        clock,
        log,
        secretKey,
        oidc: createOidcClient(config.oidc, () => clock.now()),
        settings: { ...config.oidc, systemAdmins: config.systemAdmins },
        onOutcome: (outcome) => metrics.signIn(outcome),
      })
    : undefined;
  return {
    config,
    db,
    dataStore,
    clock,
    log,
    outbox,
    node,
    snapshots,
    runner: { ...runner, wake: () => detached(() => runner.wake()) },
    scheduler,
    jobs,
    rateLimiter,
    principals: createPrincipalCache(db, { serverKey: keyHashKey }),
    lastUsed: lastUsedRecorder(db),
    sender,
    flowDeps: { db, clock, checkMeasureDimension, allowList },
    flowWorker: { ...flowWorker, wake: wakeFlows },
    deliveryWorker: { ...deliveryWorker, wake: wakeDeliveries },
    webhooks: { db, clock, allowList, wake: wakeDeliveries, checkMeasureDimension, secretKey },
    secretKey,
    keyHashKey,
    links,
    sources,
    checkSmtpHost,
    signIn,
    metrics,
    nodeId,
  };
}

const hostUrl = (host: string, port: number): string => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

export async function startRuntime(
  config: Readonly<Config>,
  opts: { clock?: Clock; log?: Logger; schema?: string } = {},
): Promise<Runtime> {
  const services = await createServices(config, opts);
  const { db, log } = services;
  await rehashLegacyKeys(db, services.keyHashKey);
  await encryptStoredSecrets(db, services.secretKey);
  const boot = await bootstrap(db, services.clock, { adminKey: config.adminKey, serverKey: services.keyHashKey });
  await services.node.start();
  await dropStagedTables(services);
  services.snapshots.start();
  const pruneAuditLog = async () => {
    const now = services.clock.now();
    await pruneAudit(db, new Date(now.getTime() - config.auditRetentionDays * 86_400_000)).catch((err: unknown) =>
      log.warn('pruning the audit log failed', errorInfo(err)),
    );
    if (config.oidc)
      await pruneSessions(
        db,
        now.toISOString(),
        new Date(now.getTime() - config.oidc.sessionTtlSeconds * 1000).toISOString(),
      ).catch((err: unknown) => log.warn('pruning ended sessions failed', errorInfo(err)));
  };
  if (services.signIn)
    await services.signIn.discover().catch((err: unknown) =>
      log.error('sign-in through OpenID Connect is not available until the identity provider answers', {
        issuer: config.oidc?.issuer,
        ...errorInfo(err),
      }),
    );
  await pruneAuditLog();
  const pruneTimer = setInterval(() => void pruneAuditLog(), 6 * 3_600_000);
  pruneTimer.unref();
  services.runner.start();
  services.scheduler.start();
  services.flowWorker.start();
  const app = createApp(services, routes, { webDir: webDistDir });
  /** Stops what was started above, in order; the store last. */
  const shutdown = async () => {
    clearInterval(pruneTimer);
    await services.scheduler.stop();
    await services.runner.stop();
    await services.flowWorker.stop();
    await services.deliveryWorker.stop();
    await services.snapshots.stop();
    await services.node.stop();
    await services.sender.close();
    await services.dataStore.close();
    await db.close();
  };
  let server: ServerType;
  try {
    server = await new Promise((resolve, reject) => {
      // 32 KiB of request head, so that OData URLs of 16 KiB pass; longer heads get 431 from node:http.
      const s = serve(
        { fetch: app.fetch, hostname: config.host, port: config.port, serverOptions: { maxHeaderSize: 32 * 1024 } },
        () => {
          s.off('error', reject);
          resolve(s);
        },
      );
      s.once('error', reject);
    });
  } catch (err) {
    await shutdown();
    throw listenError(err, config);
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = hostUrl(config.host, port);
  services.links.base = config.publicUrl ?? url;
  log.info('listening', { url, store: db.dialect });
  await services.deliveryWorker.start();
  const demo = config.demo && boot.createdDefault ? loadDemo(app, services) : Promise.resolve();
  return {
    services,
    url,
    generatedAdminKey: boot.generatedKey,
    demo,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      });
      await demo;
      await shutdown();
    },
  };
}

/** A port that cannot be listened on is a setting to change: said so, with the variable that sets it. */
function listenError(err: unknown, config: Config): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${config.host}:${config.port}`;
  if (code === 'EADDRINUSE')
    return new ConfigError(
      'INSIGHTFLOW_PORT',
      `${where} is in use by another program (EADDRINUSE); choose another port`,
    );
  if (code === 'EACCES')
    return new ConfigError(
      'INSIGHTFLOW_PORT',
      `${where} needs privileges this process lacks (EACCES); use a port above 1023`,
    );
  if (code === 'EADDRNOTAVAIL')
    return new ConfigError('INSIGHTFLOW_HOST', `${config.host} is not an address of this machine (EADDRNOTAVAIL)`);
  return err;
}
