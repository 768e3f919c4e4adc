// Actions: a form for every server API method, sent through the admin API; the JSON answer
// is shown as the node gave it.
import { field, h, pretty, routeParams, statusLine } from '../dom.js';
import { buildParams, METHODS } from '../methods.js';

export const title = 'Actions';

export function enter(root, { api }) {
  const select = h(
    'select',
    { name: 'method' },
    Object.keys(METHODS).map((m) => h('option', { value: m }, m)),
  );
  const wanted = routeParams().get('method');
  if (wanted && METHODS[wanted]) select.value = wanted;
  const about = h('p', { class: 'hint', id: 'method-about' });
  select.setAttribute('aria-describedby', about.id);
  const form = h('form', { class: 'fields', id: 'action-form', novalidate: true });
  const request = h('pre', { id: 'action-request', 'aria-label': 'Request' });
  const answer = h('pre', { id: 'action-answer', 'aria-label': 'Answer' }, '(nothing sent yet)');
  const state = statusLine();
  let inputs = {};
  let extra;

  const values = () => {
    const out = {};
    for (const [name, el] of Object.entries(inputs))
      out[name] = el.type === 'checkbox' ? el.checked : el.value;
    return out;
  };

  const params = () => {
    const spec = METHODS[select.value];
    const built = buildParams(spec.fields, values());
    const more = extra.value.trim();
    if (more === '') return built;
    let merged;
    try {
      merged = JSON.parse(more);
    } catch (err) {
      throw new Error(`More params is not valid JSON: ${err.message}`);
    }
    if (typeof merged !== 'object' || merged === null || Array.isArray(merged)) {
      throw new Error('More params must be a JSON object.');
    }
    return { ...built, ...merged };
  };

  const preview = () => {
    try {
      request.textContent = pretty({ method: select.value, params: params() });
    } catch (err) {
      request.textContent = `(not sendable yet: ${err.message})`;
    }
  };

  const build = () => {
    const spec = METHODS[select.value];
    about.textContent = spec.about;
    inputs = {};
    const controls = spec.fields.map((f) => {
      let control;
      if (f.kind === 'bool') control = h('input', { type: 'checkbox', name: f.name });
      else if (f.kind === 'json' || f.kind === 'tags')
        control = h('textarea', { name: f.name, rows: 3, spellcheck: 'false' });
      else
        control = h('input', {
          type: f.kind === 'int' ? 'number' : 'text',
          name: f.name,
          autocomplete: 'off',
          spellcheck: 'false',
        });
      if (f.required) control.setAttribute('aria-required', 'true');
      inputs[f.name] = control;
      const label = f.required ? `${f.name} (required)` : f.name;
      return field(label, control, {
        hint: f.hint,
        wide: f.kind === 'json' || f.kind === 'tags',
        check: f.kind === 'bool',
      });
    });
    extra = h('textarea', { name: 'more', rows: 2, spellcheck: 'false' });
    form.replaceChildren(
      ...controls,
      field('More params', extra, {
        hint: 'a JSON object merged over the fields above (optional)',
        wide: true,
      }),
      h(
        'div',
        { class: 'actions field wide' },
        h('button', { type: 'submit' }, `Send ${select.value}`),
      ),
    );
    preview();
  };

  form.addEventListener('input', () => {
    preview();
    state.clear();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    let p;
    try {
      p = params();
    } catch (err) {
      state.error(err);
      return;
    }
    const method = select.value;
    state.info(`Sending ${method}…`);
    try {
      const reply = await api.call(method, p);
      answer.textContent = pretty(reply);
      if (reply.error)
        state.error(`${method} failed: error ${reply.error.code}, ${reply.error.message}.`);
      else state.ok(`${method} done.`);
    } catch (err) {
      answer.textContent = '(no answer)';
      state.error(err);
    }
  });
  select.addEventListener('change', () => {
    build();
    state.clear();
  });

  build();
  root.append(
    h('h1', {}, 'Actions'),
    h('section', { class: 'panel' }, field('Method', select, {}), about, form, state.el),
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Request'),
      request,
      h('h2', {}, 'Answer'),
      answer,
    ),
  );
}

export function leave() {}
