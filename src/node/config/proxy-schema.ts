// The event proxies' keys, Centrifugo v6.9.1's names, nesting and defaults (its configtypes
// Proxy, ProxyCommon, ProxyCommonHTTP and ProxyCommonGRPC): one proxy's settings, used by
// `client.proxy.connect`/`refresh`, `channel.proxy.*`, `rpc.proxy` and each `proxies[]` item.
// Which events go to which proxy is decided by the channel and RPC options naming them
// (schema.ts). src/node/proxy/ reads these.
import { type Static, type TSchema, Type } from '@sinclair/typebox';

const Duration = (def: string, description: string) =>
  Type.String({ format: 'duration', default: def, description });
const Bool = (description: string) => Type.Boolean({ default: false, description });
const Str = (def: string, description: string) => Type.String({ default: def, description });
const StrList = (description: string) => Type.Array(Type.String(), { default: [], description });
const StrMap = (description: string) =>
  Type.Record(Type.String(), Type.String(), { default: {}, description });
const Section = <T extends Record<string, TSchema>>(props: T) =>
  Type.Object(props, { additionalProperties: false, default: {} });

/** Centrifugo's TLSConfig as a TLS client (the node calling the backend) reads it. */
const ClientTls = () =>
  Section({
    enabled: Bool('use TLS to the backend (https:// endpoints need no more than their CA)'),
    cert_pem: Str('', 'client certificate for mutual TLS: PEM, base64 PEM or file path'),
    key_pem: Str('', 'its private key: PEM, base64 PEM or file path'),
    server_ca_pem: Str('', 'CA to verify the backend with (default: the system CAs)'),
    client_ca_pem: Str('', 'server-side option: a TLS client verifies no client certificates'),
    insecure_skip_verify: Bool('skip the backend certificate verification (testing only)'),
    server_name: Str('', 'name the backend certificate must carry, and SNI'),
  });

const StatusTransform = Type.Object(
  {
    status_code: Type.Integer({ default: 0, description: 'HTTP status of the backend to map' }),
    to_error: Section({
      code: Type.Integer({ default: 0, minimum: 0, maximum: 0xffffffff, description: 'code' }),
      message: Str('', 'error message'),
      temporary: Bool('the client may retry'),
    }),
    to_disconnect: Section({
      code: Type.Integer({ default: 0, minimum: 0, maximum: 0xffffffff, description: 'code' }),
      reason: Str('', 'disconnect reason'),
    }),
  },
  { additionalProperties: false },
);

export const ProxyProps = {
  endpoint: Str('', 'http(s):// URL of the backend, or grpc://host:port'),
  timeout: Duration('1s', 'how long a proxy call may take'),
  http_headers: StrList(
    'headers of the connection request forwarded to the backend (gRPC: as metadata)',
  ),
  grpc_metadata: StrList('metadata keys forwarded (only from gRPC client transports)'),
  emulated_headers: StrList(
    'headers the client sends in its connect command (client-controlled) forwarded',
  ),
  binary_encoding: Bool('send payloads as base64 in b64data instead of JSON in data'),
  include_connection_meta: Bool('send the connection meta with every call but connect'),
  http: Section({
    tls: ClientTls(),
    static_headers: StrMap('headers added to every HTTP call (forwarded ones win)'),
    status_to_code_transforms: Type.Array(StatusTransform, {
      default: [],
      description: 'HTTP statuses of the backend answered as a client error or disconnect',
    }),
  }),
  grpc: Section({
    tls: ClientTls(),
    credentials_key: Str('', 'metadata key sent with every gRPC call'),
    credentials_value: Str('', 'its value'),
    compression: Bool('gzip-compress gRPC calls'),
    static_metadata: StrMap('metadata added to every gRPC call (forwarded keys win)'),
  }),
};

export const ProxySchema = Section(ProxyProps);
export const NamedProxySchema = Type.Object(
  {
    name: Type.String({ description: 'proxy name, referenced by *_proxy_name options' }),
    ...ProxyProps,
  },
  { additionalProperties: false },
);
export const ConnectProxySchema = Section({
  enabled: Bool('authenticate connections without a token through the backend'),
  ...ProxyProps,
});
export const RefreshProxySchema = Section({
  enabled: Bool('the backend decides on connection expiry (server-side refresh)'),
  ...ProxyProps,
});

/** RPC options (rpc.without_namespace and each rpc.namespaces[] item). */
export const RpcOptionsProps = {
  proxy_enabled: Bool('send client RPC of these methods to the RPC proxy'),
  proxy_name: Str('default', 'the proxy: "default" (rpc.proxy) or a proxies[] name'),
};

export type ProxyConfig = Static<typeof ProxySchema>;
export type StatusTransformConfig = Static<typeof StatusTransform>;
