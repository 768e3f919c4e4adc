// What the server API asks of live connections: server-side subscribe, unsubscribe,
// disconnect and refresh of a user's connections. The client protocol's hub
// implements it; until a node holds connections, NoConnections answers for it.

export interface ConnectionFilter {
  user: string;
  /** Only this client ID ('' = every connection of the user). */
  client: string;
  /** Only this session ('' = every session). */
  session: string;
}

export interface ServerSubscribe extends ConnectionFilter {
  channel: string;
  info: Uint8Array;
  data: Uint8Array;
  expireAt: number;
  recoverSince?: { offset: number; epoch: string } | undefined;
  presence: boolean;
  joinLeave: boolean;
  pushJoinLeave: boolean;
  recovery: boolean;
  positioning: boolean;
}

export interface ServerDisconnect extends ConnectionFilter {
  code: number;
  reason: string;
  /** Client IDs to keep connected. */
  whitelist: string[];
}

export interface ServerRefresh extends ConnectionFilter {
  expired: boolean;
  expireAt: number;
  info: Uint8Array;
}

export interface ConnectionControl {
  subscribe(request: ServerSubscribe): Promise<void>;
  unsubscribe(request: ConnectionFilter & { channel: string }): Promise<void>;
  disconnect(request: ServerDisconnect): Promise<void>;
  refresh(request: ServerRefresh): Promise<void>;
}

/** A node without connections: every request matches nobody and succeeds, as in Centrifugo. */
export class NoConnections implements ConnectionControl {
  async subscribe(): Promise<void> {}
  async unsubscribe(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async refresh(): Promise<void> {}
}
