// `cf_ws_frame_ping_pong=true` in the connection URL (Centrifugo v6.3+): for tools such as
// wscat or Postman that cannot answer the protocol's own pings, the server keeps the
// connection alive with WebSocket ping frames, which every WebSocket stack answers by
// itself. As in Centrifugo's WebSocket handler: a ping every client.ping_interval (25 s
// when unset), each to be answered by a pong within client.pong_timeout (10 s when unset),
// else the connection is dropped without a close frame, as a read deadline would.
import type { WebSocket } from 'ws';

export const FRAME_PING_QUERY = 'cf_ws_frame_ping_pong';

const DEFAULT_PING_INTERVAL_MS = 25_000;
const DEFAULT_PONG_TIMEOUT_MS = 10_000;

export interface FramePings {
  stop(): void;
}

export function startFramePings(
  ws: WebSocket,
  pingIntervalMs: number,
  pongTimeoutMs: number,
  onNoPong: () => void,
): FramePings {
  const interval = pingIntervalMs > 0 ? pingIntervalMs : DEFAULT_PING_INTERVAL_MS;
  const timeout = pongTimeoutMs > 0 ? pongTimeoutMs : DEFAULT_PONG_TIMEOUT_MS;
  let pongDue: NodeJS.Timeout | undefined;
  const onPong = () => {
    clearTimeout(pongDue);
    pongDue = undefined;
  };
  ws.on('pong', onPong);
  const pinger = setInterval(() => {
    ws.ping();
    // A pong still owed from the previous ping keeps its own, earlier deadline.
    pongDue ??= setTimeout(onNoPong, timeout);
  }, interval);
  return {
    stop: () => {
      clearInterval(pinger);
      clearTimeout(pongDue);
      ws.off('pong', onPong);
    },
  };
}
