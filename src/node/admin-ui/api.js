// The admin endpoints, relative to the page (so any admin.handler_prefix works). The token
// lives in sessionStorage: it ends with the tab, and is sent only as Authorization.
const TOKEN_KEY = 'centrifugo-ts-admin-token';

export class AdminError extends Error {
  constructor(message, { status, code } = {}) {
    super(message);
    this.name = 'AdminError';
    this.status = status;
    this.code = code;
  }
}

export class AdminApi {
  constructor() {
    this.token = sessionStorage.getItem(TOKEN_KEY) ?? '';
    /** Called when the node answers 401: the token expired or the secret changed. */
    this.onUnauthorized = () => {};
  }

  headers(extra = {}) {
    return this.token === '' ? extra : { ...extra, authorization: `token ${this.token}` };
  }

  setToken(token) {
    this.token = token;
    if (token === '') sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  }

  async init() {
    const res = await send('admin/init', { headers: this.headers() });
    return res.json();
  }

  /** Resolves when logged in; throws an AdminError that says why not. */
  async login(password) {
    const res = await send('admin/auth', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ password }),
    });
    if (res.status === 400 && (await res.clone().text()).trim() === 'Bad Request') {
      throw new AdminError('Wrong password.', { status: 400 });
    }
    if (!res.ok) throw await failure(res);
    const { token } = await res.json();
    this.setToken(token);
  }

  /** One server API command through the admin API: resolves to {result} or {error}. */
  async call(method, params = {}) {
    const res = await this.post('admin/api', JSON.stringify({ method, params }));
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new AdminError(`The node answered something that is not JSON: ${text.slice(0, 200)}`);
    }
  }

  /** Like call(), but an error reply becomes a thrown AdminError. */
  async result(method, params = {}) {
    const reply = await this.call(method, params);
    if (reply.error) throw apiError(reply.error);
    return reply.result ?? {};
  }

  async connections(query) {
    const res = await this.post('admin/connections', JSON.stringify(query));
    return (await res.json()).result;
  }

  /**
   * A live trace: calls onEvent(type, data) for each server-sent event ('start', 'trace',
   * 'end') until the node ends it or `signal` aborts. Resolves when the stream ends.
   */
  async trace(target, onEvent, signal) {
    const res = await this.post('admin/trace', JSON.stringify(target), signal);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = parseEvent(block);
        if (event) onEvent(event.type, event.data);
        end = buffer.indexOf('\n\n');
      }
    }
  }

  async post(path, body, signal) {
    const res = await send(path, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body,
      signal,
    });
    if (res.status === 401) {
      this.setToken('');
      this.onUnauthorized();
      throw new AdminError('Your admin session has ended (401): log in again.', { status: 401 });
    }
    if (!res.ok) throw await failure(res);
    return res;
  }
}

async function send(path, init) {
  try {
    return await fetch(path, { cache: 'no-store', ...init });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new AdminError(`Cannot reach the node: ${err.message}`);
  }
}

async function failure(res) {
  const text = (await res.text()).trim();
  const why = text === '' ? res.statusText : text;
  return new AdminError(`The node refused (${res.status}): ${why}`, { status: res.status });
}

function apiError(error) {
  return new AdminError(`Error ${error.code}: ${error.message}`, { code: error.code });
}

function parseEvent(block) {
  let type = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    if (line.startsWith('event: ')) type = line.slice(7);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  if (data.length === 0) return undefined;
  return { type, data: JSON.parse(data.join('\n')) };
}
