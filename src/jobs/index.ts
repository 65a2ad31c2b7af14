// Public face of jobs: the model, planning, the runner, the service and task executors.
export * from './full-refresh.ts';
export * from './jobs.sql.ts';
export * from './model.ts';
export * from './plan.ts';
export * from './recovery.ts';
export * from './runner.ts';
export * from './service.ts';
export { ingestionTask } from './tasks/ingestion.ts';
export { definitionScope } from './tasks/insights-scope.ts';
export { measureTask } from './tasks/measure.ts';
export { publishTask } from './tasks/publish.ts';
export { segmentTask } from './tasks/segment.ts';
export { getUnificationConfig, unificationSetting, unificationTask } from './tasks/unification.ts';
export * from './schedule.ts';
export * from './scheduler.ts';
