// Live trace of one channel (publications, joins, leaves as this node receives them) or one
// user (frames to and from the user's connections on this node). The node bounds a trace
// (events, bytes, time) and ends it; leaving the page or Stop ends it too.
import { field, h, plural, routeParams, statusLine } from '../dom.js';

export const title = 'Trace';
const KEEP = 300;
// A user's frames by direction; a push travels as a reply in protocol v2.
const LABELS = { command: 'from client', reply: 'to client' };

let controller;

export function enter(root, { api }) {
  const byChannel = h('input', { type: 'radio', name: 'kind', value: 'channel', checked: true });
  const byUser = h('input', { type: 'radio', name: 'kind', value: 'user' });
  const target = h('input', {
    type: 'text',
    name: 'target',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const start = h('button', { type: 'submit' }, 'Start trace');
  const stop = h('button', { type: 'button', class: 'danger', disabled: true }, 'Stop');
  const state = statusLine();
  const log = h('ol', {
    class: 'trace',
    id: 'trace-log',
    'aria-label': 'Traced frames, newest first',
  });
  let count = 0;

  const add = (data) => {
    count += 1;
    const who = data.client ? ` ${data.user || '(anonymous)'} ${data.client}` : '';
    const where = data.channel ? ` ${data.channel}` : '';
    const pos = data.offset ? ` offset ${data.offset}` : '';
    const extra = [];
    if (data.type === 'disconnected') extra.push(`code ${data.code} ${data.reason}`);
    if (data.truncated) extra.push(`(cut: ${data.truncated} characters in all)`);
    if (data.dropped)
      extra.push(`(${plural(data.dropped, 'frame')} dropped before this one: the reader was slow)`);
    log.prepend(
      h(
        'li',
        {},
        h('span', { class: `tag ${data.type}` }, LABELS[data.type] ?? data.type),
        h(
          'span',
          { class: 'muted' },
          `${new Date(data.at).toLocaleTimeString()}${where}${pos}${who} `,
        ),
        extra.join(' '),
        data.frame === undefined ? null : h('pre', {}, data.frame),
      ),
    );
    while (log.children.length > KEEP) log.lastElementChild.remove();
  };

  const finish = (text, isError) => {
    start.disabled = false;
    stop.disabled = true;
    controller = undefined;
    if (isError) state.error(text);
    else state.info(text);
  };

  const run = async () => {
    const value = target.value;
    const want = byUser.checked ? { user: value } : { channel: value.trim() };
    if (byChannel.checked && want.channel === '') {
      state.error('Give the channel to trace.');
      target.focus();
      return;
    }
    controller?.abort();
    controller = new AbortController();
    const mine = controller;
    count = 0;
    log.replaceChildren();
    start.disabled = true;
    stop.disabled = false;
    const what =
      want.channel !== undefined ? `channel ${want.channel}` : `user ${want.user || '(anonymous)'}`;
    state.info(`Starting a trace of ${what}…`);
    let ended = false;
    try {
      await api.trace(
        want,
        (type, data) => {
          if (type === 'start')
            state.info(
              `Tracing ${what} on node ${data.node}: waiting for frames (at most ${data.limits.maxEvents}).`,
            );
          else if (type === 'trace') {
            add(data);
            state.info(`Tracing ${what}: ${plural(count, 'frame')}.`);
          } else if (type === 'end') {
            ended = true;
            const failed = data.reason.startsWith('cannot');
            finish(
              `Trace ended: ${data.reason}. ${plural(data.events, 'frame')}${data.dropped ? `, ${data.dropped} dropped` : ''}.`,
              failed,
            );
          }
        },
        mine.signal,
      );
      if (!ended && controller === mine) finish('Trace ended: the node closed the stream.', true);
    } catch (err) {
      if (err.name === 'AbortError') finish(`Trace stopped: ${plural(count, 'frame')}.`, false);
      else finish(err.message, true);
    }
  };

  stop.addEventListener('click', () => controller?.abort());
  root.append(
    h('h1', {}, 'Live trace'),
    h(
      'section',
      { class: 'panel' },
      h(
        'form',
        {
          class: 'fields',
          onsubmit: (event) => {
            event.preventDefault();
            run();
          },
        },
        h(
          'fieldset',
          { class: 'field' },
          h('legend', {}, 'Trace a'),
          h('label', {}, byChannel, ' Channel'),
          h('label', {}, byUser, ' User'),
        ),
        field('Channel or user', target, {
          hint: 'a user is traced on this node only; an empty user traces anonymous connections',
        }),
        h('div', { class: 'actions field' }, start, stop),
      ),
      state.el,
    ),
    h('section', { class: 'panel' }, h('h2', {}, 'Frames'), log),
  );
  const params = routeParams();
  if (params.get('user') !== null) {
    byUser.checked = true;
    target.value = params.get('user');
  } else if (params.get('channel')) target.value = params.get('channel');
}

export function leave() {
  controller?.abort();
  controller = undefined;
}
