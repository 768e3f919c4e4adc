export { parseConnectRequest } from './connect-request.ts';
export { corsHeaders } from './cors.ts';
export { emulationEndpoint } from './emulation-endpoint.ts';
export { pathOf, type RouteHandler, StreamingEndpoints } from './streaming-endpoints.ts';
