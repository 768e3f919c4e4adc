// The order in which one connection's commands run (client.concurrency). Commands start in
// arrival order. With a limit above 1, the commands Centrifugo hands to its concurrent
// handlers (subscribe, publish, presence, history, rpc, refresh, ...) run side by side, up to
// the limit, and each answers when it is done, under its own id; a command arriving when
// the limit is reached waits for one to finish, and so does every command behind it, as
// Centrifugo stops reading the connection then. Other commands (connect, unsubscribe, pongs)
// run in the queue itself, once those before them have started.
export class CommandQueue {
  private chain: Promise<void> = Promise.resolve();
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  /** 0 or 1: one command at a time. */
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Queues a command; `run` must not reject (a command answers its own errors). */
  push(run: () => Promise<void>, concurrent: boolean): void {
    this.chain = this.chain.then(async () => {
      if (!concurrent || this.limit <= 1) {
        await run();
        return;
      }
      while (this.running >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
      this.running++;
      void run().finally(() => {
        this.running--;
        this.waiting.shift()?.();
      });
    });
  }
}

/** The commands Centrifugo's client handler runs through its concurrency semaphore. */
export const CONCURRENT_METHODS: ReadonlySet<string> = new Set([
  'subscribe',
  'publish',
  'presence',
  'presence_stats',
  'history',
  'rpc',
  'refresh',
  'sub_refresh',
]);
