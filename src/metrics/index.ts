// Public face of metrics: the Prometheus registry and the callbacks that feed it.
export * from './registry.ts';
