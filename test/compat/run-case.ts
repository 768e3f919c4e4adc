// Performs one case's steps against one server and records the transcript: each HTTP and
// gRPC answer, and everything each WebSocket connection and uni_grpc stream received until
// the case ended.
// Every wait is bounded, so a server that never answers costs time, never a hang.

import type { Client } from '@grpc/grpc-js';
import type { CompatCase, Step, Transcript } from './case.ts';
import { API_KEY } from './configs.ts';
import type { GrpcApiClient } from './grpc-client.ts';
import { httpCall } from './http-call.ts';
import type { Json } from './proto.ts';
import { resolveRefs } from './refs.ts';
import type { Server } from './servers.ts';
import { UniGrpcStream, type UniStreamCodec } from './uni-grpc-stream.ts';
import { type ClientCodec, Connection } from './ws-connection.ts';

const REPLY_TIMEOUT_MS = 1_500;
const BARRIER_TIMEOUT_MS = 2_000;
/** After the barrier: pushes a server sends from its own timers (join, leave) land here. */
const SETTLE_MS = 40;
/** With a case's `settle`: this long without a message or close ends the wait. */
const QUIET_MS = 150;
/** How long a connection that never connected is watched for the server closing it. */
const UNCONNECTED_SETTLE_MS = 500;

export interface Target {
  server: Server;
  grpc: GrpcApiClient;
  codec: ClientCodec;
  /** The server's uni_grpc port, and Centrifugo's unistream.proto to speak on it. */
  uniGrpc: Client;
  uniCodec: UniStreamCodec;
}

/** What a case opened, by name: WebSocket connections and uni_grpc streams. */
interface Opened {
  conns: Map<string, Connection>;
  streams: Map<string, UniGrpcStream>;
}

export async function runCase(c: CompatCase, target: Target): Promise<Transcript> {
  const transcript: Transcript = { steps: [], conns: {} };
  const conns = new Map<string, Connection>();
  const streams = new Map<string, UniGrpcStream>();
  const conn = (name: string) => {
    const found = conns.get(name);
    if (!found) throw new Error(`case ${c.id}: connection ${name} was not opened`);
    return found;
  };
  try {
    for (const raw of c.steps) {
      const step = resolveRefs(raw, transcript, conns) as Step;
      const observed = await runStep(step, target, c, { conns, streams }, conn);
      if (observed !== undefined) transcript.steps.push(observed);
    }
    await Promise.all(
      [...conns.values()].map(async (x) => {
        await x.barrier(BARRIER_TIMEOUT_MS);
        await x.settleUnconnected(UNCONNECTED_SETTLE_MS);
      }),
    );
    const watched = [...conns.values(), ...streams.values()];
    if (watched.length > 0) await settle(watched, c.settle);
  } finally {
    await Promise.all([...conns.values(), ...streams.values()].map((x) => x.terminate()));
  }
  for (const [name, x] of [...conns, ...streams]) {
    transcript.conns[name] = x.result() as unknown as Json;
  }
  return transcript;
}

async function runStep(
  step: Step,
  target: Target,
  c: CompatCase,
  { conns, streams }: Opened,
  conn: (name: string) => Connection,
): Promise<Json | undefined> {
  if ('api' in step) {
    const headers: Record<string, string> = step.noKey ? {} : { 'X-API-Key': API_KEY };
    Object.assign(headers, step.headers);
    const body = step.raw ?? JSON.stringify(step.body ?? {});
    return {
      api: step.api,
      ...(await httpCall(target.server.httpUrl, 'POST', `/api/${step.api}`, headers, body)),
    };
  }
  if ('http' in step) {
    const { method, path, headers = {}, body, bodyB64, readMs } = step.http;
    const bytes = bodyB64 !== undefined ? Buffer.from(bodyB64, 'base64') : body;
    return {
      http: `${method} ${path}`,
      ...(await httpCall(target.server.httpUrl, method, path, headers, bytes, readMs)),
    };
  }
  if ('grpc' in step) {
    const metadata = step.metadata ?? { authorization: `apikey ${API_KEY}` };
    return {
      grpc: step.grpc,
      ...(await target.grpc.call(step.grpc, step.request ?? {}, metadata)),
    };
  }
  if ('consume' in step) {
    if (conns.has(step.consume) || streams.has(step.consume)) {
      throw new Error(`case ${c.id}: ${step.consume} opened twice`);
    }
    const x = new UniGrpcStream(target.uniGrpc, target.uniCodec);
    streams.set(step.consume, x);
    x.open({
      ...(step.request !== undefined ? { request: step.request } : {}),
      ...(step.b64 !== undefined ? { b64: step.b64 } : {}),
      ...(step.noHalfClose !== undefined ? { noHalfClose: step.noHalfClose } : {}),
      ...(step.metadata !== undefined ? { metadata: step.metadata } : {}),
    });
    return undefined;
  }
  if ('open' in step) {
    if (conns.has(step.open) || streams.has(step.open))
      throw new Error(`case ${c.id}: ${step.open} opened twice`);
    const encoding = c.encoding ?? 'json';
    const x = new Connection(encoding, target.codec);
    conns.set(step.open, x);
    await x.open(target.server.wsUrl, {
      encoding,
      ...(step.path !== undefined ? { path: step.path } : {}),
      ...(step.headers !== undefined ? { headers: step.headers } : {}),
      ...(step.subprotocols !== undefined ? { subprotocols: step.subprotocols } : {}),
      pong: step.noPong !== true && step.uni !== true,
      uni: step.uni === true,
    });
    return undefined;
  }
  if ('send' in step) {
    const x = conn(step.send);
    x.sendCommands(step.commands);
    const ids = step.commands
      .map((cmd) => (cmd as { id?: unknown }).id)
      .filter((id): id is number => typeof id === 'number' && id > 0);
    await x.waitReplies(ids, REPLY_TIMEOUT_MS);
    return undefined;
  }
  if ('sendText' in step) {
    await sendRawAndSettle(conn(step.sendText), step.text);
    return undefined;
  }
  if ('sendBytes' in step) {
    await sendRawAndSettle(conn(step.sendBytes), Buffer.from(step.b64, 'base64'));
    return undefined;
  }
  if ('closed' in step) {
    await (streams.get(step.closed) ?? conn(step.closed)).waitClosed(step.within);
    return undefined;
  }
  await new Promise((r) => setTimeout(r, step.sleep));
  return undefined;
}

/** SETTLE_MS; or, for a case with `settle`, until QUIET_MS without events, up to `settle`. */
async function settle(
  conns: Array<{ lastEventAt: number }>,
  max: number | undefined,
): Promise<void> {
  const started = Date.now();
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  if (max === undefined) return;
  for (;;) {
    const quietFor = Date.now() - Math.max(...conns.map((x) => x.lastEventAt));
    const left = started + max - Date.now();
    if (quietFor >= QUIET_MS || left <= 0) return;
    await new Promise((r) => setTimeout(r, Math.min(QUIET_MS - quietFor, left)));
  }
}

/** A raw frame has no id to wait for: the barrier says when the server has dealt with it. */
async function sendRawAndSettle(x: Connection, data: string | Uint8Array): Promise<void> {
  x.sendRaw(data);
  await x.barrier(BARRIER_TIMEOUT_MS);
}
