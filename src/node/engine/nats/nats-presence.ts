// Presence in a KV bucket whose entries expire after presence_ttl; the node that owns a
// connection refreshes its entries well before that, so a crashed node's clients vanish on
// their own. Keys are <channel token>.<client id>.
import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { ClientInfo, PresenceManager, PresenceStats } from '../types.ts';
import type { NatsNames } from './names.ts';
import type { NatsGate } from './nats-gate.ts';
import { infoFromJson, infoToJson } from './wire.ts';

export class NatsPresence implements PresenceManager {
  private readonly kv: KV;
  private readonly jsm: JetStreamManager;
  private readonly names: NatsNames;
  private readonly gate: NatsGate;
  /** This node's entries, re-put on every refresh. */
  private readonly own = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(kv: KV, jsm: JetStreamManager, names: NatsNames, gate: NatsGate, refreshMs: number) {
    this.kv = kv;
    this.jsm = jsm;
    this.names = names;
    this.gate = gate;
    this.timer = setInterval(() => void this.refresh(), refreshMs);
    this.timer.unref();
  }

  async addPresence(channel: string, clientId: string, info: ClientInfo): Promise<void> {
    const key = this.names.presenceKey(channel, clientId);
    const value = JSON.stringify(infoToJson(info));
    this.own.set(key, value);
    await this.gate.call('add_presence', () => this.kv.put(key, value));
  }

  async removePresence(channel: string, clientId: string): Promise<void> {
    const key = this.names.presenceKey(channel, clientId);
    this.own.delete(key);
    await this.gate.call('remove_presence', () => this.kv.delete(key));
  }

  presence(channel: string): Promise<Map<string, ClientInfo>> {
    return this.gate.call('presence', async (scope) => {
      const out = new Map<string, ClientInfo>();
      const bucket = this.names.presenceBucket();
      const prefix = this.names.presenceKey(channel, '');
      try {
        const entries = await this.jsm.direct.getLastMessagesFor(`KV_${bucket}`, {
          multi_last: [`$KV.${bucket}.${prefix}*`],
        });
        for await (const m of entries) {
          // Throws once the call is over: stop reading for nobody.
          scope.remaining();
          const op = m.header?.get('KV-Operation');
          if (op === 'DEL' || op === 'PURGE' || m.data.length === 0) continue;
          const clientId = m.subject.slice(`$KV.${bucket}.${prefix}`.length);
          out.set(clientId, infoFromJson(JSON.parse(new TextDecoder().decode(m.data))));
        }
      } catch (err) {
        if (!/not found|no message/i.test((err as Error).message)) throw err;
      }
      return out;
    });
  }

  async presenceStats(channel: string): Promise<PresenceStats> {
    const entries = await this.presence(channel);
    const users = new Set<string>();
    for (const info of entries.values()) users.add(info.user);
    return { numClients: entries.size, numUsers: users.size };
  }

  private async refresh(): Promise<void> {
    // Nothing to refresh into while disconnected; entries are put again once NATS is back.
    if (!this.gate.up) return;
    for (const [key, value] of this.own) {
      if (!this.gate.up) return;
      await this.kv
        .put(key, value)
        .catch((err: unknown) => this.gate.background('presence refresh', err));
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    // Leave no ghosts behind on a clean shutdown.
    await Promise.allSettled([...this.own.keys()].map((key) => this.kv.delete(key)));
    this.own.clear();
  }
}
