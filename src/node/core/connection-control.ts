// What the server API asks of live connections: server-side subscribe, unsubscribe,
// disconnect and refresh of a user's connections, on whichever node holds them. The Node
// sends each over the control bus; every node's hub applies it to its own connections.

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
