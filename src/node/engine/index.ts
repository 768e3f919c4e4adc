export { EngineUnavailableError, UnrecoverablePositionError } from './errors.ts';
export { selectHistory } from './history-filter.ts';
export { MemoryEngine, type MemoryEngineOptions } from './memory/memory-engine.ts';
export type * from './types.ts';
export { hasConnectivity } from './types.ts';
