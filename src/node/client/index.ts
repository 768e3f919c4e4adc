export {
  AdminInspector,
  type ConnectionFilter as AdminConnectionFilter,
  type ConnectionView,
  type TraceEvent,
} from './admin-inspector.ts';
export { type ClientContext, clientTimings } from './context.ts';
export { BrokerControl } from './control.ts';
export { Hub } from './hub.ts';
export { Disconnects } from './protocol/codes.ts';
export type { Format } from './protocol/encoding.ts';
export { ClientSession, type ClientTransport } from './session.ts';
