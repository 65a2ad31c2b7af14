// Public face of the data store: the DuckDB engine, entity schemas and the OData translator.
export * from './engine.ts';
export * from './schema.ts';
export * from './catalog.ts';
export * from './key-order.ts';
export * from './snapshot-files.ts';
export * from './snapshot-follower.ts';
