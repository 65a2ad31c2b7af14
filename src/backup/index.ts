// Public face of backup and restore (the embedded default).
export * from './archive.ts';
export * from './snapshot.ts';
