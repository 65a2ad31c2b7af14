// Public face of events: the catalog, the outbox, subscriptions and the polling feed.
export * from './catalog.ts';
export * from './feed.ts';
export * from './membership-events.ts';
export * from './outbox.ts';
export * from './subscriptions.ts';
export * from './threshold.ts';
export * from './trigger-params.ts';
