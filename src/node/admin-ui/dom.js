// DOM building without innerHTML: every value from the node is set as text, never parsed.

/**
 * h('button', { class: 'quiet', onclick: fn }, 'Text', child): attributes as strings, `on*`
 * as listeners, `value`/`checked` as properties; false, null and undefined are left out.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

let ids = 0;

/** A unique id for label/input pairs. */
export function uid(name) {
  ids += 1;
  return `${name}-${ids}`;
}

/** A labelled input (or select/textarea given as `control`), with an optional hint. */
export function field(labelText, control, { hint, wide, check } = {}) {
  control.id ||= uid('f');
  const parts = [];
  const label = h('label', { for: control.id }, labelText);
  if (hint) {
    const hintEl = h('span', { class: 'hint', id: `${control.id}-hint` }, hint);
    control.setAttribute('aria-describedby', hintEl.id);
    parts.push(hintEl);
  }
  const cls = ['field', wide ? 'wide' : '', check ? 'check' : ''].filter(Boolean).join(' ');
  return check
    ? h('div', { class: cls }, control, label, parts)
    : h('div', { class: cls }, label, control, parts);
}

/** A live region that says what happened; errors are announced at once. */
export function statusLine() {
  const el = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  return {
    el,
    info(text) {
      el.className = 'muted';
      el.setAttribute('role', 'status');
      el.textContent = text;
    },
    ok(text) {
      el.className = 'ok';
      el.setAttribute('role', 'status');
      el.textContent = text;
    },
    error(err) {
      el.className = 'error';
      el.setAttribute('role', 'alert');
      el.textContent = err instanceof Error ? err.message : String(err);
    },
    clear() {
      el.textContent = '';
    },
  };
}

/** A table with a caption, header cells and rows; `stack` lays rows out as cards when narrow. */
export function table(caption, headers, rows, { stack = true, numeric = [] } = {}) {
  const num = (i) => (numeric.includes(i) ? 'num' : undefined);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: stack ? 'stack' : undefined },
      h('caption', {}, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((t, i) => h('th', { scope: 'col', class: num(i) }, t)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((cells) =>
          h(
            'tr',
            {},
            cells.map((c, i) => h('td', { 'data-label': headers[i], class: num(i) }, c)),
          ),
        ),
      ),
    ),
  );
}

/** plural(1, 'client') -> "1 client", plural(2, 'client') -> "2 clients". */
export function plural(n, word) {
  return `${n} ${n === 1 ? word : `${word}s`}`;
}

/** JSON as indented text, for answers and publications. */
export function pretty(value) {
  return JSON.stringify(value, null, 2);
}

/** 3723 -> "1 h 2 min 3 s". */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const parts = [];
  if (d) parts.push(`${d} d`);
  if (hh) parts.push(`${hh} h`);
  if (mm && !d) parts.push(`${mm} min`);
  if (!d && !hh) parts.push(`${ss} s`);
  return parts.join(' ');
}

/** The query of the current hash route: #/channels?channel=news -> URLSearchParams. */
export function routeParams() {
  const hash = location.hash;
  const q = hash.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : hash.slice(q + 1));
}
