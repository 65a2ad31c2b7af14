// Public face of data sources: model, validation, credentials, service, loading (files, databases, web APIs), tests.
export * from './credentials.ts';
export * from './datasources.sql.ts';
export * from './import-path.ts';
export * from './ingest.ts';
export * from './load.ts';
export * from './model.ts';
export * from './preview.ts';
export * from './service.ts';
