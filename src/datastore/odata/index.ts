// Public face of the OData language: $filter parsing and translation, and the items query with keyset paging.
export * from './items.ts';
export { maxQueryLength, odataString } from './lexer.ts';
export { maxDepth, parseFilter } from './parser.ts';
export * from './translate.ts';
