// The server API methods the Actions page offers, with their request fields (Centrifugo v6's
// names). A dotted name nests: `disconnect.code` -> {"disconnect": {"code": ...}}.
// Kinds: text, json (any JSON value), int, bool, list (comma separated), tags (key=value lines).

const channel = { name: 'channel', kind: 'text', required: true };
const user = { name: 'user', kind: 'text' };
const client = { name: 'client', kind: 'text', hint: 'one connection of the user (optional)' };
const session = { name: 'session', kind: 'text', hint: 'one session of the user (optional)' };

export const METHODS = {
  publish: {
    about: 'Publish data into a channel.',
    fields: [
      channel,
      { name: 'data', kind: 'json', required: true, hint: 'JSON, e.g. {"text": "hello"}' },
      { name: 'skip_history', kind: 'bool' },
      { name: 'tags', kind: 'tags', hint: 'key=value, one per line' },
      { name: 'idempotency_key', kind: 'text' },
      { name: 'delta', kind: 'bool' },
    ],
  },
  broadcast: {
    about: 'Publish the same data into several channels.',
    fields: [
      { name: 'channels', kind: 'list', required: true, hint: 'comma separated' },
      { name: 'data', kind: 'json', required: true, hint: 'JSON' },
      { name: 'skip_history', kind: 'bool' },
      { name: 'tags', kind: 'tags', hint: 'key=value, one per line' },
      { name: 'idempotency_key', kind: 'text' },
      { name: 'delta', kind: 'bool' },
    ],
  },
  subscribe: {
    about: "Subscribe a user's connections to a channel (server-side subscription).",
    fields: [
      { ...user, required: true },
      channel,
      client,
      session,
      { name: 'info', kind: 'json', hint: 'channel info, JSON (optional)' },
      { name: 'data', kind: 'json', hint: 'data for the subscribe push, JSON (optional)' },
      { name: 'expire_at', kind: 'int', hint: 'unix seconds (optional)' },
      { name: 'recover_since.offset', kind: 'int' },
      { name: 'recover_since.epoch', kind: 'text' },
    ],
  },
  unsubscribe: {
    about: "Unsubscribe a user's connections from a channel.",
    fields: [
      { ...user, required: true },
      { ...channel, required: false, hint: 'empty: every channel' },
      client,
      session,
    ],
  },
  disconnect: {
    about: "Disconnect a user's connections.",
    fields: [
      { ...user, required: true },
      client,
      session,
      { name: 'whitelist', kind: 'list', hint: 'client ids to keep, comma separated' },
      { name: 'disconnect.code', kind: 'int', hint: 'e.g. 4000 (optional)' },
      { name: 'disconnect.reason', kind: 'text' },
    ],
  },
  refresh: {
    about: "Refresh a user's connections (expiry, info), or expire them.",
    fields: [
      { ...user, required: true },
      client,
      session,
      { name: 'expired', kind: 'bool' },
      { name: 'expire_at', kind: 'int', hint: 'unix seconds' },
      { name: 'info', kind: 'json', hint: 'connection info, JSON (optional)' },
    ],
  },
  presence: { about: "A channel's presence: who is subscribed.", fields: [channel] },
  presence_stats: { about: 'Clients and users subscribed to a channel.', fields: [channel] },
  history: {
    about: "A channel's publication history.",
    fields: [
      channel,
      { name: 'limit', kind: 'int', hint: '0: only the stream position; -1: all' },
      { name: 'since.offset', kind: 'int' },
      { name: 'since.epoch', kind: 'text' },
      { name: 'reverse', kind: 'bool' },
    ],
  },
  history_remove: { about: "Remove a channel's history.", fields: [channel] },
  channels: {
    about: 'Channels with subscribers, across the cluster.',
    fields: [{ name: 'pattern', kind: 'text', hint: 'e.g. chat:* (empty: all)' }],
  },
  info: { about: 'The nodes of the cluster.', fields: [] },
  rpc: {
    about: 'Call a server API RPC method.',
    fields: [
      { name: 'method', kind: 'text', required: true },
      { name: 'params', kind: 'json', hint: 'JSON (optional)' },
    ],
  },
};

/**
 * The request params of a filled form: values by field name (strings, or booleans for bool).
 * Throws an Error that names the field when a value cannot be read.
 */
export function buildParams(fields, values) {
  const params = {};
  for (const f of fields) {
    const raw = values[f.name];
    if (f.kind === 'bool') {
      if (raw) setPath(params, f.name, true);
      continue;
    }
    const text = (raw ?? '').trim();
    if (text === '') {
      if (f.required) throw new Error(`${f.name} is required.`);
      continue;
    }
    setPath(params, f.name, parseValue(f, text));
  }
  return params;
}

function parseValue(f, text) {
  switch (f.kind) {
    case 'int': {
      if (!/^-?\d+$/.test(text)) throw new Error(`${f.name} must be a whole number.`);
      return Number(text);
    }
    case 'json':
      try {
        return JSON.parse(text);
      } catch (err) {
        throw new Error(`${f.name} is not valid JSON: ${err.message}`);
      }
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    case 'tags': {
      const tags = {};
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const eq = line.indexOf('=');
        if (eq <= 0) throw new Error(`tags: "${line.trim()}" is not key=value.`);
        tags[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
      }
      return tags;
    }
    default:
      return text;
  }
}

function setPath(obj, dotted, value) {
  const keys = dotted.split('.');
  let node = obj;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key];
  }
  node[keys[keys.length - 1]] = value;
}
