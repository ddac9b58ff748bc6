// The built-in strategies' names, in a module of their own: the HTTP schema lists them in the OpenAPI document
// without importing the strategies' code (and the runtime it pulls in), which the pages' typed browser scripts
// reach through the schemas. strategies.ts maps each name to its strategy, so the compiler keeps the two in step.
export const BUILTIN_STRATEGY_NAMES = ['embedding', 'nli', 'model', 'llm'] as const;

export type BuiltinStrategyName = (typeof BUILTIN_STRATEGY_NAMES)[number];
