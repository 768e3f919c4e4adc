export { buildHttpListeners, type HttpDeps, type HttpListener } from './servers.ts';
