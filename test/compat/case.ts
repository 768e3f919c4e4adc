// What a compat case is: data only. A case names the config group its servers are started
// from and lists steps; the runner (run-case.ts) performs them against each server and
// records what came back (the transcript). Cases are compared by transcript.
import type { Json } from './proto.ts';
import type { Encoding } from './ws-connection.ts';

export type Step =
  /** POST <prefix>/<method> with the API key in X-API-Key (unless `headers` replace it). */
  | {
      api: string;
      body?: Json;
      /** The body exactly, instead of JSON.stringify(body). */
      raw?: string;
      headers?: Record<string, string>;
      /** Leave the X-API-Key header out (the key is elsewhere, or absent on purpose). */
      noKey?: boolean;
    }
  /** Any HTTP request, exactly as given: no key is added. */
  | {
      http: {
        method: string;
        path: string;
        headers?: Record<string, string>;
        body?: string;
        /** The body as bytes (base64), for bodies that are not valid UTF-8. */
        bodyB64?: string;
        /** A streamed answer: read this long, then close (uni_sse, uni_http_stream, ...). */
        readMs?: number;
      };
    }
  /** A unary call of CentrifugoApi, metadata `authorization: apikey <key>` unless given. */
  | { grpc: string; request?: Json; metadata?: Record<string, string> }
  /**
   * Opens WebSocket connection `open` (its name) in the case's encoding. It answers the
   * server's app-level pings as SDKs do, unless `noPong`.
   */
  | {
      open: string;
      path?: string;
      headers?: Record<string, string>;
      subprotocols?: string[];
      noPong?: boolean;
      /**
       * A unidirectional connection (uni_websocket): the runner sends it nothing of its own
       * (no barrier commands, no pongs); the case sends the connect request and sleeps.
       */
      uni?: boolean;
    }
  /**
   * Opens uni_grpc stream `consume` (its name): one Consume call with this connect request
   * (or these bytes); its pushes are read until the server ends it or the case ends.
   */
  | {
      consume: string;
      /** The ConnectRequest as JSON, encoded with Centrifugo's unistream.proto. */
      request?: Json;
      /** The request messages' bytes exactly (base64), instead of `request`: none, one, two. */
      b64?: string[];
      /** The client keeps its side open after the request (no END_STREAM). */
      noHalfClose?: boolean;
      metadata?: Record<string, string>;
    }
  /** Sends commands (JSON objects) in one frame; waits for the reply to each id > 0. */
  | { send: string; commands: Json[] }
  /** Sends one text frame exactly. */
  | { sendText: string; text: string }
  /** Sends one binary frame exactly (base64). */
  | { sendBytes: string; b64: string }
  /**
   * Waits up to `within` ms for the server to close connection (or stream) `closed`: for a close the
   * server does on its own time (Centrifugo closes from another goroutine), a machine under
   * load may take longer than any quiet window. A server that never closes costs the wait.
   */
  | { closed: string; within: number }
  /** Lets time pass (token expiry, delayed server work); keep it rare and short. */
  | { sleep: number };

export interface CompatCase {
  /** Unique, stable: pending.ts and intended.ts refer to it. Area first: "http/publish/..." */
  id: string;
  group: string;
  steps: Step[];
  /** The encoding of its WebSocket connections (set by the case list for client cases). */
  encoding?: Encoding;
  /** See ClientCase.settle. */
  settle?: number;
  /** No steps: compares only whether each server accepted the group's config. */
  probeStartup?: boolean;
}

/** A client-protocol case written once and run in both encodings: `<id>/json`, `<id>/protobuf`. */
export interface ClientCase {
  id: string;
  group: string;
  steps: Step[];
  /** Default: both. Raw-frame cases name the one they are written for. */
  encodings?: Encoding[];
  /**
   * For cases whose last API call makes a server act on its own time (an API disconnect
   * closes connections from another goroutine in Centrifugo, then leaves are pushed): at
   * the end, wait until the connections have been quiet a while, up to this many ms.
   */
  settle?: number;
}

export const ENCODINGS: readonly Encoding[] = ['json', 'protobuf'];

/** Each case once per encoding, in that encoding's group (`<group>/<encoding>`). */
export function expandClientCases(cases: ClientCase[]): CompatCase[] {
  return ENCODINGS.flatMap((encoding) =>
    cases
      .filter((c) => (c.encodings ?? ENCODINGS).includes(encoding))
      .map((c) => ({
        id: `${c.id}/${encoding}`,
        group: `${c.group}/${encoding}`,
        steps: c.steps,
        encoding,
        ...(c.settle !== undefined ? { settle: c.settle } : {}),
      })),
  );
}

/** A transcript: one observation per api/http/grpc step, and each connection's record. */
export interface Transcript {
  /** Only for startup groups: whether the server accepted the config at all. */
  started?: boolean;
  /** In an ordinary group: this node refused the config (why), so no step ran on it. */
  refused?: string;
  steps: Json[];
  conns: Record<string, Json>;
}
