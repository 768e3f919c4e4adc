// Client RPC, as Centrifugo v6 routes it: the built-in methods first (rpc.ping.enabled gives
// one, rpc.ping.method, default "ping", answered with an empty result), then the RPC proxy.
// Without either there is no RPC handler at all and every rpc is 108 (not available); with the
// ping alone any other method is 104 (method not found). Through the proxy, a method's
// namespace is the part before rpc.namespace_boundary, an unknown one is 104 "method not
// found"; a namespace (or the methods outside any) without proxy_enabled is 108; otherwise
// the backend answers.
import type { Config } from '../../config/index.ts';
import { type RpcResultMsg, rpcRequest } from '../../proxy/index.ts';
import { clientError } from '../client-error.ts';
import type { Connection } from '../connection.ts';
import { answerPayload, askBackend, connectionRef } from './proxied.ts';

export async function handleRpc(conn: Connection, req: { method?: string; data?: Uint8Array }) {
  const { proxies, config } = conn.ctx;
  const { ping } = config.rpc;
  const proxied = proxies.has('rpc');
  if (!ping.enabled && !proxied) throw clientError('notAvailable');
  const method = req.method ?? '';
  if (ping.enabled && method === ping.method) return {};
  if (!proxied) throw clientError('notFound');
  const options = rpcOptionsOf(config.rpc, method);
  if (options === undefined) throw clientError('notFound', 'rpc options not found');
  if (!options.proxy_enabled) throw clientError('notAvailable');
  const endpoint = proxies.endpoint('rpc', options.proxy_name);
  if (endpoint === undefined) throw clientError('notAvailable');
  const request = rpcRequest(endpoint, connectionRef(conn), { method, data: req.data });
  const result = await askBackend<RpcResultMsg>(conn, endpoint, request);
  return { data: answerPayload(result?.data, result?.b64data, 'b64data') };
}

function rpcOptionsOf(rpc: Config['rpc'], method: string) {
  const boundary = rpc.namespace_boundary;
  if (boundary === '' || !method.includes(boundary)) return rpc.without_namespace;
  const name = method.slice(0, method.indexOf(boundary));
  return rpc.namespaces.find((ns) => ns.name === name);
}
