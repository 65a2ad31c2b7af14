// Public face of members (people with a role per instance).
export * from './members.ts';
