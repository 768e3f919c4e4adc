// Centrifugo's CORS middleware in front of its HTTP connection endpoints (SSE, HTTP
// streaming, emulation, connection init): when the request's Origin passes
// client.allowed_origins (no Origin always does) the answer allows it, echoing the Origin
// (empty when there is none, as Go echoes it), the asked request headers and credentials.
// It refuses nothing itself: a browser then refuses to read an answer for another origin.
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { originChecker } from '../websocket/origin-check.ts';

export type CorsHeaders = (req: IncomingMessage) => OutgoingHttpHeaders;

export function corsHeaders(allowedOrigins: readonly string[]): CorsHeaders {
  const allowed = originChecker(allowedOrigins);
  return (req) => {
    const origin = req.headers.origin;
    if (!allowed(origin)) return {};
    const headers: OutgoingHttpHeaders = {
      'access-control-allow-origin': origin ?? '',
      'access-control-allow-credentials': 'true',
    };
    const asked = req.headers['access-control-request-headers'];
    if (asked !== undefined && asked !== '' && asked !== 'null') {
      headers['access-control-allow-headers'] = asked;
    }
    return headers;
  };
}

/** The answer to a browser's preflight (OPTIONS), where an endpoint takes POST. */
export const PREFLIGHT_HEADERS: OutgoingHttpHeaders = {
  'access-control-max-age': '300',
  'access-control-allow-methods': 'POST, OPTIONS',
};
