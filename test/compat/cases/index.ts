// Every case and every config group of the suite, in the order they run.
import { type CompatCase, ENCODINGS, expandClientCases } from '../case.ts';
import { API_GROUPS, CLIENT_GROUPS, type Group } from '../configs.ts';
import { connectionCases } from './api-connections.ts';
import { edgeCases } from './api-edges.ts';
import { miscCases } from './api-misc.ts';
import { publishCases } from './api-publish.ts';
import { transportCases } from './api-transport.ts';
import { COMMAND_CASES } from './client-commands.ts';
import { CONNECT_CASES } from './client-connect.ts';
import { FRAME_CASES } from './client-frames.ts';
import { PROTO_FRAME_CASES } from './client-proto-frames.ts';
import { SUBSCRIBE_CASES } from './client-subscribe.ts';
import { FEATURE_CASES, FEATURE_GROUPS, FEATURE_STARTUP_CASES } from './features.ts';
import { grpcEdgeCases } from './grpc-edges.ts';
import { HTTP_EDGE_CASES } from './http-edges.ts';
import { LIMIT_CASES, PING_CASES } from './limits.ts';
import { LIVE_CASES } from './live.ts';
import { LIVE_GRPC_CASES } from './live-grpc.ts';
import { STARTUP_CASES, STARTUP_GROUPS } from './startup.ts';

export const ALL_GROUPS: Group[] = [
  ...API_GROUPS,
  ...ENCODINGS.flatMap((e) =>
    [...CLIENT_GROUPS, ...FEATURE_GROUPS].map((g) => ({ ...g, name: `${g.name}/${e}` })),
  ),
  ...STARTUP_GROUPS,
];

export const ALL_CASES: CompatCase[] = [
  // misc first: its info case must see servers where nothing happened yet
  ...miscCases().cases,
  ...publishCases().cases,
  ...connectionCases().cases,
  ...grpcEdgeCases().cases,
  ...edgeCases().cases,
  ...transportCases().cases,
  ...HTTP_EDGE_CASES,
  // first in their feature groups
  ...FEATURE_STARTUP_CASES,
  ...expandClientCases([
    ...CONNECT_CASES,
    ...SUBSCRIBE_CASES,
    ...COMMAND_CASES,
    ...FRAME_CASES,
    ...PROTO_FRAME_CASES,
    ...LIVE_CASES,
    ...LIVE_GRPC_CASES,
    ...LIMIT_CASES,
    ...PING_CASES,
    ...FEATURE_CASES,
  ]),
  ...STARTUP_CASES,
];
