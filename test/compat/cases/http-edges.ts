// HTTP edges of the server API: methods, paths, where the key is, bodies that are not a
// JSON object, the legacy POST /api endpoint, and the other paths of the HTTP server.
import type { CompatCase, Step } from '../case.ts';
import { API_KEY } from '../configs.ts';

const KEY = { 'X-API-Key': API_KEY };
const PUBLISH = JSON.stringify({ channel: 'plain-e', data: { e: 1 } });
// A call whose answer is small and fixed: what these cases compare is the HTTP layer.
const STATS = '/api/presence_stats';
const STATS_BODY = JSON.stringify({ channel: 'hist:e0' });
const INVALID_UTF8 = Buffer.concat([
  Buffer.from('{"channel":"plain-'),
  Buffer.from([0xff, 0xfe]),
  Buffer.from('","data":{}}'),
]).toString('base64');

function http(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Step {
  return { http: { method, path, headers, ...(body !== undefined ? { body } : {}) } };
}

const list: Array<[string, Step[]]> = [
  // methods and paths, with and without a key
  ['method/get-no-key', [http('GET', '/api/publish')]],
  ['method/get-key', [http('GET', '/api/publish', KEY)]],
  ['method/put-key', [http('PUT', '/api/publish', KEY, PUBLISH)]],
  ['method/delete-key', [http('DELETE', '/api/publish', KEY)]],
  ['method/patch-no-key', [http('PATCH', '/api/publish', {}, PUBLISH)]],
  ['method/options-key', [http('OPTIONS', '/api/publish', KEY)]],
  ['method/head-key', [http('HEAD', STATS, KEY)]],
  ['method/get-stats-key', [http('GET', STATS, KEY)]],
  ['path/unknown-method-no-key', [http('POST', '/api/no_such_method', {}, '{}')]],
  ['path/unknown-method-key', [http('POST', '/api/no_such_method', KEY, '{}')]],
  ['path/unknown-method-get-no-key', [http('GET', '/api/no_such_method')]],
  ['path/camel-case', [http('POST', '/api/Publish', KEY, PUBLISH)]],
  ['path/upper-prefix', [http('POST', '/API/publish', KEY, PUBLISH)]],
  ['path/trailing-slash', [http('POST', '/api/publish/', KEY, PUBLISH)]],
  ['path/double-slash', [http('POST', '/api//publish', KEY, PUBLISH)]],
  ['path/query', [http('POST', '/api/publish?x=1', KEY, PUBLISH)]],
  ['path/prefix-slash', [http('POST', '/api/', KEY, PUBLISH)]],
  ['path/presence-stats-dash', [http('POST', '/api/presence-stats', KEY, '{"channel":"hist:e"}')]],
  ['path/root-get', [http('GET', '/')]],
  ['path/health-off', [http('GET', '/health')]],
  ['path/metrics-off', [http('GET', '/metrics')]],
  ['path/websocket-plain-get', [http('GET', '/connection/websocket')]],
  ['path/websocket-post', [http('POST', '/connection/websocket', {}, '{}')]],
  ['path/nowhere', [http('GET', '/no/such/path')]],
  // paths that reach the router undecoded, long, or by a method fastify does not know itself
  ['path/percent-encoded-name', [http('POST', '/api/publi%73h', KEY, PUBLISH)]],
  ['path/bad-percent-name', [http('POST', '/api/%zz', KEY, PUBLISH)]],
  ['path/bad-percent-elsewhere', [http('GET', '/no/%zz')]],
  ['path/long-name', [http('POST', `/api/${'x'.repeat(300)}`, KEY, '{}')]],
  ['method/purge-key', [http('PURGE', '/api/publish', KEY, PUBLISH)]],
  // the legacy single endpoint: commands in the body
  [
    'legacy/publish-named',
    [
      http(
        'POST',
        '/api',
        KEY,
        '{"method":"publish","params":{"channel":"hist:l1","data":{"n":1}}}',
      ),
    ],
  ],
  [
    'legacy/publish-numbered',
    [
      http(
        'POST',
        '/api',
        KEY,
        '{"id":1,"method":0,"params":{"channel":"hist:l2","data":{"n":1}}}',
      ),
    ],
  ],
  [
    'legacy/two-lines',
    [
      http(
        'POST',
        '/api',
        KEY,
        '{"id":1,"method":"presence_stats","params":{"channel":"hist:l3"}}\n{"id":2,"method":"presence","params":{"channel":"hist:l3"}}',
      ),
    ],
  ],
  ['legacy/empty-body', [http('POST', '/api', KEY, '')]],
  [
    'legacy/no-key',
    [http('POST', '/api', {}, '{"method":"presence_stats","params":{"channel":"hist:l4"}}')],
  ],
  ['legacy/unknown-method', [http('POST', '/api', KEY, '{"id":3,"method":"nope","params":{}}')]],
  ['legacy/get', [http('GET', '/api', KEY)]],
  // where the key is
  ['auth/none', [http('POST', STATS, {}, STATS_BODY)]],
  ['auth/x-api-key', [http('POST', STATS, KEY, STATS_BODY)]],
  ['auth/x-api-key-lower', [http('POST', STATS, { 'x-api-key': API_KEY }, STATS_BODY)]],
  ['auth/x-api-key-wrong', [http('POST', STATS, { 'X-API-Key': 'wrong' }, STATS_BODY)]],
  ['auth/x-api-key-empty', [http('POST', STATS, { 'X-API-Key': '' }, STATS_BODY)]],
  ['auth/x-api-key-padded', [http('POST', STATS, { 'X-API-Key': ` ${API_KEY} ` }, STATS_BODY)]],
  ['auth/apikey', [http('POST', STATS, { Authorization: `apikey ${API_KEY}` }, STATS_BODY)]],
  ['auth/apikey-upper', [http('POST', STATS, { Authorization: `APIKEY ${API_KEY}` }, STATS_BODY)]],
  [
    'auth/apikey-spaces',
    [http('POST', STATS, { Authorization: `apikey   ${API_KEY}` }, STATS_BODY)],
  ],
  ['auth/apikey-tab', [http('POST', STATS, { Authorization: `apikey\t${API_KEY}` }, STATS_BODY)]],
  ['auth/apikey-wrong', [http('POST', STATS, { Authorization: 'apikey wrong' }, STATS_BODY)]],
  ['auth/apikey-no-key', [http('POST', STATS, { Authorization: 'apikey' }, STATS_BODY)]],
  [
    'auth/apikey-three-parts',
    [http('POST', STATS, { Authorization: `apikey ${API_KEY} x` }, STATS_BODY)],
  ],
  ['auth/bearer', [http('POST', STATS, { Authorization: `Bearer ${API_KEY}` }, STATS_BODY)]],
  ['auth/query', [http('POST', `/api/presence_stats?api_key=${API_KEY}`, {}, STATS_BODY)]],
  ['auth/query-wrong', [http('POST', '/api/presence_stats?api_key=wrong', {}, STATS_BODY)]],
  ['auth/query-empty', [http('POST', '/api/presence_stats?api_key=', {}, STATS_BODY)]],
  [
    'auth/wrong-header-right-query',
    [http('POST', `/api/presence_stats?api_key=${API_KEY}`, { 'X-API-Key': 'wrong' }, STATS_BODY)],
  ],
  [
    'auth/right-header-wrong-query',
    [http('POST', '/api/presence_stats?api_key=wrong', KEY, STATS_BODY)],
  ],
  [
    'auth/wrong-header-right-authorization',
    [http('POST', STATS, { 'X-API-Key': 'wrong', Authorization: `apikey ${API_KEY}` }, STATS_BODY)],
  ],
  [
    'auth/right-header-wrong-authorization',
    [http('POST', STATS, { ...KEY, Authorization: 'apikey wrong' }, STATS_BODY)],
  ],
  [
    'auth/wrong-authorization-right-query',
    [
      http(
        'POST',
        `/api/presence_stats?api_key=${API_KEY}`,
        { Authorization: 'apikey wrong' },
        STATS_BODY,
      ),
    ],
  ],
  // bodies
  ['body/empty', [http('POST', '/api/publish', KEY, '')]],
  ['body/absent', [http('POST', STATS, KEY)]],
  ['body/null', [http('POST', '/api/publish', KEY, 'null')]],
  ['body/null-stats', [http('POST', STATS, KEY, 'null')]],
  ['body/array', [http('POST', '/api/publish', KEY, '[]')]],
  ['body/string', [http('POST', '/api/publish', KEY, '"x"')]],
  ['body/number', [http('POST', '/api/publish', KEY, '5')]],
  ['body/true', [http('POST', '/api/publish', KEY, 'true')]],
  ['body/invalid', [http('POST', '/api/publish', KEY, '{')]],
  ['body/trailing-garbage', [http('POST', '/api/publish', KEY, `${PUBLISH}x`)]],
  ['body/two-objects', [http('POST', '/api/publish', KEY, `${PUBLISH}${PUBLISH}`)]],
  ['body/whitespace', [http('POST', STATS, KEY, '   ')]],
  ['body/trailing-newline', [http('POST', '/api/publish', KEY, `${PUBLISH}\n`)]],
  ['body/bom', [http('POST', '/api/publish', KEY, `\ufeff${PUBLISH}`)]],
  [
    'body/duplicate-key',
    [http('POST', '/api/publish', KEY, '{"channel":"plain-e1","channel":"plain-e2","data":{}}')],
  ],
  [
    'body/escaped-channel',
    [http('POST', '/api/publish', KEY, '{"channel":"\\u0070lain-e3","data":{}}')],
  ],
  ['body/exponent-limit', [http('POST', '/api/history', KEY, '{"channel":"hist:e4","limit":1e1}')]],
  ['body/float-limit', [http('POST', '/api/history', KEY, '{"channel":"hist:e5","limit":10.0}')]],
  [
    'body/offset-2^64',
    [
      http(
        'POST',
        '/api/history',
        KEY,
        '{"channel":"hist:e6","since":{"offset":18446744073709551616}}',
      ),
    ],
  ],
  [
    'body/offset-2^64-1',
    [
      http(
        'POST',
        '/api/history',
        KEY,
        '{"channel":"hist:e7","since":{"offset":18446744073709551615,"epoch":"x"}}',
      ),
    ],
  ],
  [
    'body/limit-2^31',
    [http('POST', '/api/history', KEY, '{"channel":"hist:e8","limit":2147483648}')],
  ],
  [
    'body/limit-2^31-1',
    [http('POST', '/api/history', KEY, '{"channel":"hist:e9","limit":2147483647}')],
  ],
  [
    'body/data-raw-number-big',
    [
      http(
        'POST',
        '/api/publish',
        KEY,
        '{"channel":"plain-e10","data":123456789012345678901234567890}',
      ),
    ],
  ],
  [
    'body/data-invalid-json',
    [http('POST', '/api/publish', KEY, '{"channel":"plain-e11","data":{x}}')],
  ],
  [
    'body/content-type-text',
    [http('POST', '/api/publish', { ...KEY, 'Content-Type': 'text/plain' }, PUBLISH)],
  ],
  [
    'body/content-type-form',
    [
      http(
        'POST',
        '/api/publish',
        { ...KEY, 'Content-Type': 'application/x-www-form-urlencoded' },
        PUBLISH,
      ),
    ],
  ],
  [
    'body/invalid-utf8-channel',
    [{ http: { method: 'POST', path: '/api/publish', headers: KEY, bodyB64: INVALID_UTF8 } }],
  ],
  [
    'body/gzip-unannounced',
    [http('POST', '/api/publish', { ...KEY, 'Content-Encoding': 'gzip' }, PUBLISH)],
  ],
];

export const HTTP_EDGE_CASES: CompatCase[] = list.map(([id, steps]) => ({
  id: `http/${id}`,
  group: 'http',
  steps,
}));
