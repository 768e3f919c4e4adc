// client.user_id_http_header: Centrifugo's UserHeaderAuth middleware stands in front of every
// connection endpoint of its HTTP server (WebSocket, SSE, HTTP streaming, the unidirectional
// ones) and takes the user from that request header; connect uses it when there is neither a
// token nor anonymous access (client/commands/connect.ts).
import type { IncomingMessage } from 'node:http';

/** The header's first value, as Go's Header.Get ('' when absent or no header is configured). */
export function requestUserOf(req: IncomingMessage, headerName: string): string {
  if (headerName === '') return '';
  // headersDistinct keeps repeated headers apart (req.headers joins them with ", ").
  return req.headersDistinct[headerName.toLowerCase()]?.[0] ?? '';
}
