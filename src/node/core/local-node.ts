// This node's identity and counters, as `info` and the node metrics report them.
import { randomUUID } from 'node:crypto';

export interface LocalCounts {
  numClients: number;
  numUsers: number;
  numSubs: number;
  numChannels: number;
}

export interface LocalNodeInfo extends LocalCounts {
  uid: string;
  name: string;
  version: string;
  uptime: number;
}

export class LocalNode {
  readonly uid = randomUUID();
  readonly name: string;
  readonly version: string;
  private readonly startedAt: number;
  private readonly counts: () => LocalCounts;

  constructor(opts: { name: string; version: string; counts: () => LocalCounts; now?: number }) {
    this.name = opts.name;
    this.version = opts.version;
    this.counts = opts.counts;
    this.startedAt = opts.now ?? Date.now();
  }

  info(now = Date.now()): LocalNodeInfo {
    return {
      uid: this.uid,
      name: this.name,
      version: this.version,
      uptime: Math.floor((now - this.startedAt) / 1000),
      ...this.counts(),
    };
  }
}
