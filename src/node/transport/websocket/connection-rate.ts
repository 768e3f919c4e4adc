// client.connection_rate_limit: new WebSocket connections this node accepts, as Centrifugo
// v6.9.1 limits them (golang.org/x/time/rate's NewLimiter(Every(time.Second), limit)): a
// bucket of `limit` tokens, full at start, refilled by one token a second; each upgrade
// takes one, and one without a token is answered 503 with no body. So the limit is a burst,
// then one connection a second.
export class ConnectionRateLimit {
  private readonly burst: number;
  private readonly now: () => number;
  private tokens: number;
  private last: number;

  constructor(burst: number, now: () => number = () => performance.now()) {
    this.burst = burst;
    this.now = now;
    this.tokens = burst;
    this.last = now();
  }

  /** Takes a token if there is one. A limit of 0 lets every connection in. */
  allow(): boolean {
    if (this.burst <= 0) return true;
    const at = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (at - this.last) / 1000);
    this.last = at;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
