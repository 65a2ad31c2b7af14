// Public face of sign-in through OpenID Connect: the client, sessions and the pages that explain failures.
export * from './oidc.ts';
export * from './pages.ts';
export * from './roles.ts';
export * from './service.ts';
export { pruneSessions } from './sessions.sql.ts';
