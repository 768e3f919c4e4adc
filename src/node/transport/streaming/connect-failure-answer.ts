// connect_code_to_http_response (uni_sse, uni_http_stream): a connect that fails is
// answered with an HTTP status instead of a stream with a disconnect push, as Centrifugo's
// ConnectErrorToToHTTPResponse maps it: the transform for the error's (or disconnect's)
// code, its body defaulting to the error's message; no transform is 500 Internal Server
// Error.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { ConnectFailure } from '../../client/index.ts';
import type { Config } from '../../config/index.ts';

type Transforms = Config['uni_sse']['connect_code_to_http_response']['transforms'];

export function answerConnectFailure(
  res: ServerResponse,
  headers: OutgoingHttpHeaders,
  failure: ConnectFailure,
  transforms: Transforms,
): void {
  const transform = transforms.find((t) => t.code === failure.code);
  const text = failure.kind === 'disconnect' ? failure.reason : failure.message;
  const status = transform ? transform.to.status_code : 500;
  const body = transform ? transform.to.body || text : 'Internal Server Error';
  // Go refuses a status outside 100-999 at WriteHeader; the nearest answer is a 500.
  const valid = status >= 100 && status <= 999;
  res.writeHead(valid ? status : 500, {
    ...headers,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}
