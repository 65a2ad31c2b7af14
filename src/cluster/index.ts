// Public face of the cluster module: nodes, their leases and the sweeper of lost work (SPEC §10).
export * from './membership.ts';
export * from './nodes.sql.ts';
