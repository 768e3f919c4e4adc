// What the wiring takes from transport/ itself; each transport folder has its own index.ts.
export { ConnectionGate } from './connection-gate.ts';
