// This node's identity: what the engine announces to the others and `info` reports. The
// counts beside it come from the hub (Node.info).
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

  constructor(opts: { name: string; version: string; now?: number }) {
    this.name = opts.name;
    this.version = opts.version;
    this.startedAt = opts.now ?? Date.now();
  }

  /** Identity and uptime in whole seconds. */
  info(now = Date.now()): Omit<LocalNodeInfo, keyof LocalCounts> {
    return {
      uid: this.uid,
      name: this.name,
      version: this.version,
      uptime: Math.floor((now - this.startedAt) / 1000),
    };
  }
}
