export { canonicalRedirect } from './clean-path.ts';
export { GO_NOT_FOUND, GO_TEXT_HEADERS } from './plain-answers.ts';
export {
  buildHttpListeners,
  type ClientRoute,
  type HttpDeps,
  type HttpListener,
} from './servers.ts';
