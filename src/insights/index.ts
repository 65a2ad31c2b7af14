// Public face of insights: segments and measures (definitions, checks, evaluation SQL, history) and the dimension
// rule of measure threshold triggers.
export * from './check.ts';
export * from './history.ts';
export { getMeasure, getSegment, listMeasures, listSegments } from './insights.sql.ts';
export * from './links.ts';
export { checkMeasureDimension, dimensionText, dimensionValues } from './measure-dimension.ts';
export { checkSegmentReferences } from './references.ts';
export * from './membership.ts';
export * from './segment-engine.ts';
export * from './measure-engine.ts';
export * from './measures.ts';
export * from './membership-changes.ts';
export * from './model.ts';
export * from './segments.ts';
export * from './sql.ts';
