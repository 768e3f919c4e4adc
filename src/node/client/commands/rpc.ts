// rpc: the methods the node answers itself. As in Centrifugo v6, rpc.ping.enabled gives one
// built-in method (rpc.ping.method, default "ping") answered with an empty result; any other
// method is then 104 (method not found). Without it (and without an RPC proxy) the node has
// no RPC handler at all, and every rpc is 108 (not available).
import { clientError } from '../client-error.ts';
import type { Connection } from '../connection.ts';

export async function handleRpc(conn: Connection, req: { method?: string; data?: Uint8Array }) {
  const { ping } = conn.ctx.config.rpc;
  if (!ping.enabled) throw clientError('notAvailable');
  if ((req.method ?? '') === ping.method) return {};
  throw clientError('notFound');
}
