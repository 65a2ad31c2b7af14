// Public face of the audit log.
export * from './audit.sql.ts';
export * from './model.ts';
