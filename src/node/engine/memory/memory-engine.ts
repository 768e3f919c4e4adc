// The embedded engine: broker and presence in this process, nothing shared with other
// nodes. The default, so a node runs with no other service.
import type { ClusterView, Engine, NodeInfo } from '../types.ts';
import { MemoryBroker } from './memory-broker.ts';
import { MemoryPresence } from './memory-presence.ts';

export interface MemoryEngineOptions {
  /** How long a stream position outlives its last use; Centrifugo's default is 720h. */
  historyMetaTtlMs?: number;
  /** Clock in Unix ms; tests move it to expire history without waiting. */
  now?: () => number;
  /** How often expired streams are dropped from memory (reads also expire lazily). */
  sweepIntervalMs?: number;
}

const DEFAULT_META_TTL_MS = 720 * 3600 * 1000;

export class MemoryEngine implements Engine {
  readonly name = 'memory';
  readonly broker: MemoryBroker;
  readonly presence = new MemoryPresence();
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(options: MemoryEngineOptions = {}) {
    const metaTtl = options.historyMetaTtlMs;
    this.broker = new MemoryBroker({
      historyMetaTtlMs: metaTtl !== undefined && metaTtl > 0 ? metaTtl : DEFAULT_META_TTL_MS,
      now: options.now ?? Date.now,
    });
    this.sweepTimer = setInterval(() => this.broker.sweep(), options.sweepIntervalMs ?? 10_000);
    this.sweepTimer.unref();
  }

  /** One node is the whole cluster. */
  startCluster(self: () => NodeInfo, localChannels: () => Map<string, number>): ClusterView {
    return {
      nodes: async () => [self()],
      channels: async () => localChannels(),
      isLive: (uid) => uid === self().uid,
    };
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.broker.close();
    await this.presence.close();
  }
}
