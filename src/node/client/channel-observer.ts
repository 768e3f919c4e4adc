// An admin trace of one channel (src/node/admin/): it sits among the channel's subscribers in
// the hub, so the broker stays subscribed while it watches and it sees each publication,
// join and leave exactly as the node fans them out, but the hub does not count it as a
// subscriber (Node.addObserver), and server API commands never reach it (it has no user).
import { randomUUID } from 'node:crypto';
import type { HubClient, PublicationPushes, PushParts } from '../core/index.ts';

export interface ChannelEvent {
  type: 'publication' | 'join' | 'leave';
  channel: string;
  /** The push frame as a JSON client receives it. */
  frame: string;
  offset?: number;
  epoch?: string;
}

export class ChannelObserver implements HubClient {
  readonly id = `admin-trace-${randomUUID()}`;
  readonly user = '';
  readonly sessionId = '';
  private readonly onEvent: (event: ChannelEvent) => void;

  constructor(onEvent: (event: ChannelEvent) => void) {
    this.onEvent = onEvent;
  }

  onPublication(channel: string, publication: PublicationPushes) {
    const { position } = publication;
    const event: ChannelEvent = {
      type: 'publication',
      channel,
      frame: jsonFrame(publication.plain()),
    };
    if (position.offset > 0) {
      event.offset = position.offset;
      event.epoch = position.epoch;
    }
    this.onEvent(event);
  }

  onJoinLeave(channel: string, push: PushParts): void {
    const frame = jsonFrame(push);
    // The channel is the push's first field (protocol/descriptors.ts), its kind next.
    const join = frame.startsWith(`{"push":{"channel":${JSON.stringify(channel)},"join":`);
    this.onEvent({ type: join ? 'join' : 'leave', channel, frame });
  }

  // Not a connection: nothing to close, subscribe, refresh or position-check.
  close(): void {}
  async serverSubscribe(): Promise<void> {}
  async serverUnsubscribe(): Promise<void> {}
  async serverRefresh(): Promise<void> {}
  isPositioned(): boolean {
    return false;
  }
  checkPosition(): void {}
}

function jsonFrame(push: PushParts): string {
  return push.part('json') as string;
}
