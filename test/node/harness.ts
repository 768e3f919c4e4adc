// Starts real nodes for tests: in-process through startNode (fast, many per file) with
// a config built by the real loader, on a free loopback port, logs silenced.
import { validateConfig } from '../../src/node/config/index.ts';
import { createLogger } from '../../src/node/observability/index.ts';
import { type RunningNode, startNode } from '../../src/node/start-node.ts';

export const API_KEY = 'test-api-key';

export interface TestNode {
  running: RunningNode;
  url: string;
  /** POST <url>/api/<method> with the key; returns status, parsed body (if JSON) and text. */
  api(
    method: string,
    body: unknown,
    init?: { headers?: Record<string, string>; raw?: string },
  ): Promise<ApiAnswer>;
  close(): Promise<void>;
}

export interface ApiAnswer {
  status: number;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are inspected field by field.
  json: any;
  headers: Headers;
}

export async function startTestNode(raw: Record<string, unknown> = {}): Promise<TestNode> {
  const merged = {
    ...raw,
    http_server: { address: '127.0.0.1', port: 0, ...(raw.http_server as object) },
    http_api: { key: API_KEY, ...(raw.http_api as object) },
    log: { level: (raw.log as { level?: string })?.level ?? 'none' },
  };
  const config = validateConfig(merged);
  const running = await startNode(config, createLogger(config.log));
  const ext = running.addresses[0];
  if (!ext) throw new Error('node has no listener');
  const url = `http://127.0.0.1:${ext.port}`;
  return {
    running,
    url,
    api: (method, body, init = {}) =>
      request(`${url}/api/${method}`, {
        method: 'POST',
        headers: { 'X-API-Key': API_KEY, ...init.headers },
        body: init.raw ?? JSON.stringify(body),
      }),
    close: () => running.close(),
  };
}

export async function request(url: string, init: RequestInit): Promise<ApiAnswer> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}
