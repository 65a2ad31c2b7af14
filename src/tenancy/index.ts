// Public face of tenancy: instances, connections, keys, roles.
export * from './keys.ts';
export * from './last-used.ts';
export * from './model.ts';
export * from './principal-cache.ts';
export * from './secret-rotation.ts';
export * from './service.ts';
export * from './tenancy.sql.ts';
