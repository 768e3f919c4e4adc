// The decoded shapes the session works with (proto field names; absent = zero value).
export interface StreamPositionMsg {
  offset?: number;
  epoch?: string;
}

export interface SubscribeRequestMsg {
  channel?: string;
  token?: string;
  recover?: boolean;
  epoch?: string;
  offset?: number;
  data?: Uint8Array;
  positioned?: boolean;
  recoverable?: boolean;
  join_leave?: boolean;
  delta?: string;
  /** The tags filter; present when one was sent; check it with core's tagsFilterProblem. */
  tf?: FilterNodeMsg;
  flag?: number;
  /** 0 stream; 1-3 map, map_clients, map_users; 4 shared poll. */
  type?: number;
}

export interface FilterNodeMsg {
  op?: string;
  key?: string;
  cmp?: string;
  val?: string;
  vals?: string[];
  nodes?: FilterNodeMsg[];
}

export interface ConnectRequestMsg {
  token?: string;
  data?: Uint8Array;
  subs?: Record<string, SubscribeRequestMsg>;
  name?: string;
  version?: string;
  headers?: Record<string, string>;
}

export interface CommandMsg {
  id?: number;
  connect?: ConnectRequestMsg;
  subscribe?: SubscribeRequestMsg;
  unsubscribe?: { channel?: string };
  publish?: { channel?: string; data?: Uint8Array; type?: number };
  presence?: { channel?: string };
  presence_stats?: { channel?: string };
  history?: { channel?: string; limit?: number; since?: StreamPositionMsg; reverse?: boolean };
  ping?: Record<string, never>;
  send?: { data?: Uint8Array };
  rpc?: { data?: Uint8Array; method?: string };
  refresh?: { token?: string };
  sub_refresh?: { channel?: string; token?: string };
}

export const METHOD_FIELDS = [
  'connect',
  'subscribe',
  'unsubscribe',
  'publish',
  'presence',
  'presence_stats',
  'history',
  'ping',
  'send',
  'rpc',
  'refresh',
  'sub_refresh',
] as const;
export type MethodField = (typeof METHOD_FIELDS)[number];

export interface ClientInfoMsg {
  user: string;
  client: string;
  conn_info?: Uint8Array | undefined;
  chan_info?: Uint8Array | undefined;
}

export interface PublicationMsg {
  data: Uint8Array;
  info?: ClientInfoMsg | undefined;
  offset?: number;
  tags?: Record<string, string> | undefined;
  delta?: boolean;
  time?: number;
  epoch?: string | undefined;
  /** The publish's `version` (Centrifugo sends it with live and history publications). */
  version?: number | undefined;
}
