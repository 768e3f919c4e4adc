// The body of a connection request (a uni_sse POST, a uni_http_stream or http_stream POST,
// an emulation request), read up to the endpoint's max_request_body_size as Go's
// MaxBytesReader reads it: a body past the limit is answered 413 with no body, and nothing
// of it is used.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** How long the rest of a refused body is read and dropped before the connection closes. */
const LINGER_MS = 5000;

/** The whole body, or undefined when it passed `limit` (413 answered) or the client left. */
export function readLimitedBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const announced = Number(req.headers['content-length'] ?? 0);
    if (announced > limit) {
      refuseTooLarge(req, res);
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      cleanup();
      chunks.length = 0;
      refuseTooLarge(req, res);
      resolve(undefined);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onGone = () => {
      cleanup();
      resolve(undefined);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onGone);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onGone);
    req.on('error', ignore);
  });
}

/**
 * 413, then the rest of the body is read and dropped until it ends (or LINGER_MS), so a
 * client still writing it reads the answer rather than a reset.
 */
function refuseTooLarge(req: IncomingMessage, res: ServerResponse): void {
  if (res.headersSent) return;
  res.writeHead(413, { 'content-length': '0', connection: 'close' });
  const finish = () => {
    clearTimeout(timer);
    res.end();
  };
  const timer = setTimeout(finish, LINGER_MS);
  if (req.readableEnded) {
    finish();
    return;
  }
  req.on('end', finish);
  req.on('close', finish);
  req.on('error', ignore);
  req.resume();
}

const ignore = () => {};
