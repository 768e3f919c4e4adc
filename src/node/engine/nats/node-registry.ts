// Live nodes of the cluster: each node announces itself on a subject every
// node_info_interval; a node not heard from within node_info_ttl drops out. Also answers
// the `channels` survey with this node's channels.
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import type { NodeInfo } from '../types.ts';
import type { NatsNames } from './names.ts';
import type { NatsGate } from './nats-gate.ts';

export class NatsNodeRegistry {
  private readonly seen = new Map<string, { info: NodeInfo; at: number }>();
  private readonly subs: Subscription[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly nc: NatsConnection;
  private readonly names: NatsNames;
  private readonly ttlMs: number;
  private readonly gate: NatsGate;

  constructor(nc: NatsConnection, names: NatsNames, gate: NatsGate, ttlMs: number) {
    this.nc = nc;
    this.names = names;
    this.gate = gate;
    this.ttlMs = ttlMs;
  }

  start(self: () => NodeInfo, localChannels: () => Map<string, number>, intervalMs: number) {
    const announce = () => {
      try {
        this.nc.publish(this.names.nodeInfo(), JSON.stringify(self()));
      } catch {
        // Disconnected: the next tick tries again.
      }
    };
    this.subs.push(
      this.nc.subscribe(this.names.nodeInfo(), {
        callback: (err, msg) => {
          if (err) return;
          const info = msg.json<NodeInfo>();
          this.seen.set(info.uid, { info, at: Date.now() });
        },
      }),
      this.nc.subscribe(`${this.names.prefix}.survey.channels`, {
        callback: (err, msg: Msg) => {
          if (!err) msg.respond(JSON.stringify([...localChannels()]));
        },
      }),
    );
    announce();
    this.timer = setInterval(announce, intervalMs);
    this.timer.unref();
    this.selfId = self().uid;
    this.self = self;
  }

  private selfId = '';
  private self: (() => NodeInfo) | undefined;

  nodes(): NodeInfo[] {
    const now = Date.now();
    const out: NodeInfo[] = [];
    if (this.self) out.push(this.self());
    for (const [uid, { info, at }] of this.seen) {
      if (now - at > this.ttlMs) this.seen.delete(uid);
      else if (uid !== this.selfId) out.push(info);
    }
    return out;
  }

  isLive(uid: string): boolean {
    if (uid === this.selfId) return true;
    const entry = this.seen.get(uid);
    return entry !== undefined && Date.now() - entry.at <= this.ttlMs;
  }

  /** Channels with subscribers on every live node, summed. */
  channels(): Promise<Map<string, number>> {
    return this.gate.call('channels', async (scope) => {
      const expected = this.nodes().length;
      const out = new Map<string, number>();
      const replies = await this.nc.requestMany(`${this.names.prefix}.survey.channels`, '', {
        // Done when every live node answered, or at the deadline if one cannot.
        strategy: 'count',
        maxMessages: expected,
        maxWait: scope.remaining(),
      });
      for await (const reply of replies) {
        for (const [channel, count] of reply.json<Array<[string, number]>>()) {
          out.set(channel, (out.get(channel) ?? 0) + count);
        }
      }
      return out;
    });
  }

  stop(): void {
    clearInterval(this.timer);
    for (const s of this.subs) s.unsubscribe();
  }
}
