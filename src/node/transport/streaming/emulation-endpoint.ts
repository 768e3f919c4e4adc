// The emulation endpoint (emulation.handler_prefix, served once sse or http_stream is on):
// an emulated connection's client posts its commands here, each request an
// EmulationRequest {node, session, data} (JSON, or Protobuf when application/octet-stream).
// Any node may receive it: the Node hands it to the node named (Node.sendEmulation), so a
// load balancer needs no sticky sessions. Answers as Centrifugo's EmulationHandler: 204
// once handed over (a session no longer there drops it), 404 when no live node has that
// ID, 400 for a body that is not an EmulationRequest, 413 past max_request_body_size, 405
// for another method than POST (OPTIONS: the browser's preflight, 204).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClientContext } from '../../client/index.ts';
import type { Logger } from '../../observability/index.ts';
import {
  decodeJsonMessage,
  decodeMessage,
  EmulationRequest,
  JsonDecodeError,
} from '../../protocol/index.ts';
import { type CorsHeaders, corsHeaders, PREFLIGHT_HEADERS } from './cors.ts';
import { readLimitedBody } from './request-body.ts';
import type { RouteHandler } from './streaming-endpoints.ts';

const PROTOBUF_TYPE = 'application/octet-stream';

interface EmulationRequestMsg {
  node?: string;
  session?: string;
  data?: Uint8Array;
}

export function emulationEndpoint(ctx: ClientContext, logger: Logger): RouteHandler {
  const cors: CorsHeaders = corsHeaders(ctx.config.client.allowed_origins);
  const limit = ctx.config.emulation.max_request_body_size;
  return (req, res) => void handle(req, res);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = cors(req);
    if (req.method === 'OPTIONS') {
      end(res, 204, { ...headers, ...PREFLIGHT_HEADERS });
      return;
    }
    if (req.method !== 'POST') {
      end(res, 405, headers);
      return;
    }
    const body = await readLimitedBody(req, res, limit);
    if (body === undefined) return;
    const request = decode(body, req.headers['content-type'] === PROTOBUF_TYPE);
    if (request === undefined) {
      logger.info({ size: body.length }, "can't unmarshal emulation request");
      end(res, 400, headers);
      return;
    }
    try {
      const delivered = await ctx.node.sendEmulation(
        request.node ?? '',
        request.session ?? '',
        request.data ?? new Uint8Array(0),
      );
      end(res, delivered ? 204 : 404, headers);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'error processing emulation request');
      end(res, 500, headers);
    }
  }
}

function decode(body: Buffer, protobuf: boolean): EmulationRequestMsg | undefined {
  try {
    if (protobuf) return decodeMessage(EmulationRequest, body) as EmulationRequestMsg;
    return decodeJsonMessage(EmulationRequest, body.toString('utf8')) as EmulationRequestMsg;
  } catch (err) {
    if (err instanceof JsonDecodeError || protobuf) return undefined;
    throw err;
  }
}

function end(res: ServerResponse, status: number, headers: Record<string, unknown>): void {
  if (res.headersSent) return;
  res.writeHead(
    status,
    (status === 204 ? headers : { ...headers, 'content-length': '0' }) as Record<string, string>,
  );
  res.end();
}
