// The admin web UI and admin API (admin.* keys, as Centrifugo v6's). It sits beside the
// transports: it reaches the node through the ApiExecutor (every command) and the client
// hub's AdminInspector (connection lists, traces), never the engine.

export { type AdminOptions, adminRoutes } from './admin-routes.ts';
export { AdminTokens } from './admin-token.ts';
export { LOGIN_LIMIT, LoginGuard } from './login-guard.ts';
export { TRACE_LIMITS, type TraceLimits, TraceStreams } from './trace-stream.ts';
