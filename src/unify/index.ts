// Public face of unification: the configuration and its validation, normalizations, similarity, and the run.
export * from './config.ts';
export { normalizeValue, aliasTable } from './normalize.ts';
export type { NormalizeOptions } from './normalize.ts';
export { similarity, matchesPrecision } from './similarity.ts';
export { runUnification } from './run.ts';
export type { UnificationInput, UnificationStats } from './run.ts';
export type { SourceTable } from './records.ts';
