// What a transport needs besides the session: close codes and the wire format.
export { Disconnects } from '../core/index.ts';
export type { Format } from '../protocol/index.ts';
export {
  AdminInspector,
  type ConnectionFilter as AdminConnectionFilter,
  type ConnectionView,
  type TraceEvent,
} from './admin-inspector.ts';
export { type ClientContext, clientTimings } from './context.ts';
export { Outbox } from './outbox.ts';
export { ClientSession, type ClientTransport } from './session.ts';
export type { ConnectFailure } from './unidirectional.ts';
