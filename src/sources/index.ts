// Public face of data sources: model, validation, service, ingest.
export * from './datasources.sql.ts';
export * from './import-path.ts';
export * from './ingest.ts';
export * from './model.ts';
export * from './service.ts';
