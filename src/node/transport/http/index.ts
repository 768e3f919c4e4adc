export { API_BODY_LIMIT, buildHttpListeners, type HttpDeps, type HttpListener } from './servers.ts';
