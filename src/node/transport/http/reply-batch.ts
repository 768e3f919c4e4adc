// Replies wait for the end of the loop turn that read their requests, then go out together.
// Answering each request as it is read interleaves one write with every read, and each write
// wakes the client alone; writing them after all the reads of the turn lets the kernel and the
// clients work in bursts: 1.8x the publishes per core at saturation, for at most one turn of
// latency (bench/results/2026-12-01-ab-api-reply-batch.md). One per API handler (one per
// node), so nodes in one process never hold each other's replies.
import type { ServerResponse } from 'node:http';

interface Reply {
  res: ServerResponse;
  status: number;
  headers: string[];
  body: string;
}

export class ReplyBatch {
  private replies: Reply[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;

  /** Queues a whole answer (headers include content-length) for the end of this turn. */
  send(res: ServerResponse, status: number, headers: string[], body: string): void {
    if (this.closed) {
      write({ res, status, headers, body });
      return;
    }
    this.replies.push({ res, status, headers, body });
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Writes what waits now; later replies (requests still in flight) go out at once. */
  close(): void {
    this.closed = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.flush();
  }

  private flush(): void {
    this.scheduled = undefined;
    const batch = this.replies;
    this.replies = [];
    for (const reply of batch) write(reply);
  }
}

function write({ res, status, headers, body }: Reply): void {
  if (res.destroyed) return;
  res.writeHead(status, headers);
  res.end(body);
}
