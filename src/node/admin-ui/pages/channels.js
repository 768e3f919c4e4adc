// Channels: those with subscribers (the `channels` command, with a pattern), and for one
// channel its presence and its history, page by page through offsets.
import { field, h, plural, pretty, routeParams, statusLine, table } from '../dom.js';

export const title = 'Channels';
const PAGE = 20;

export function enter(root, { api }) {
  const pattern = h('input', {
    type: 'search',
    name: 'pattern',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const listState = statusLine();
  const list = h('div', {});
  const detail = h('section', { class: 'panel', id: 'channel-detail', hidden: true });

  const search = async () => {
    listState.info('Searching…');
    try {
      const { channels = {} } = await api.result('channels', { pattern: pattern.value.trim() });
      const names = Object.keys(channels).sort();
      listState.info(
        `${names.length} ${names.length === 1 ? 'channel' : 'channels'} with subscribers.`,
      );
      list.replaceChildren(
        names.length === 0
          ? h('p', { class: 'muted' }, 'No channel with subscribers matches.')
          : table(
              'Channels with subscribers, across the cluster',
              ['Channel', 'Subscribers', 'Actions'],
              names.map((name) => [
                h('code', {}, name),
                channels[name].num_clients ?? 0,
                h(
                  'button',
                  { type: 'button', class: 'quiet', onclick: () => open(name) },
                  `Inspect ${name}`,
                ),
              ]),
              { numeric: [1] },
            ),
      );
    } catch (err) {
      listState.error(err);
    }
  };

  const open = (name) => {
    detail.hidden = false;
    const presenceState = statusLine();
    const presenceHolder = h('div', {});
    const historyState = statusLine();
    const historyHolder = h('div', {});
    const limit = h('input', { type: 'number', name: 'limit', value: String(PAGE), min: '-1' });
    const sinceOffset = h('input', { type: 'number', name: 'since_offset', min: '0' });
    const sinceEpoch = h('input', { type: 'text', name: 'since_epoch', autocomplete: 'off' });
    const reverse = h('input', { type: 'checkbox', name: 'reverse' });

    const loadPresence = async () => {
      presenceState.info('Loading presence…');
      try {
        const stats = await api.result('presence_stats', { channel: name });
        const { presence = {} } = await api.result('presence', { channel: name });
        const entries = Object.values(presence);
        presenceState.info(
          `${plural(stats.num_clients ?? 0, 'client')}, ${plural(stats.num_users ?? 0, 'user')} present.`,
        );
        presenceHolder.replaceChildren(
          entries.length === 0
            ? h('p', { class: 'muted' }, 'Nobody is present.')
            : table(
                'Present clients',
                ['Client', 'User'],
                entries.map((e) => [h('code', {}, e.client), e.user || '(anonymous)']),
              ),
        );
      } catch (err) {
        presenceState.error(err);
        presenceHolder.replaceChildren();
      }
    };

    const loadHistory = async () => {
      const params = { channel: name, limit: Number(limit.value || 0), reverse: reverse.checked };
      if (sinceOffset.value !== '')
        params.since = { offset: Number(sinceOffset.value), epoch: sinceEpoch.value.trim() };
      historyState.info('Loading history…');
      try {
        const res = await api.result('history', params);
        const pubs = res.publications ?? [];
        historyState.info(
          `Stream at offset ${res.offset ?? 0}, epoch ${res.epoch || '(none)'}; ${plural(pubs.length, 'publication')} shown.`,
        );
        if (sinceEpoch.value.trim() === '' && res.epoch) sinceEpoch.value = res.epoch;
        const last = pubs[pubs.length - 1];
        const next = last?.offset
          ? h(
              'button',
              {
                type: 'button',
                class: 'quiet',
                onclick: () => {
                  sinceOffset.value = String(last.offset);
                  loadHistory();
                },
              },
              `Continue after offset ${last.offset}`,
            )
          : null;
        historyHolder.replaceChildren(
          pubs.length === 0
            ? h('p', { class: 'muted' }, 'No publications.')
            : table(
                'Publications',
                ['Offset', 'Data', 'Info', 'Tags'],
                pubs.map((p) => [
                  p.offset ?? '',
                  h('pre', {}, pretty(p.data ?? null)),
                  p.info ? `${p.info.user || '(anonymous)'} ${p.info.client}` : '',
                  p.tags ? h('pre', {}, pretty(p.tags)) : '',
                ]),
                { numeric: [0] },
              ),
          h('div', { class: 'actions' }, next),
        );
      } catch (err) {
        historyState.error(err);
        historyHolder.replaceChildren();
      }
    };

    detail.replaceChildren(
      h('h2', { tabindex: '-1', id: 'channel-title' }, 'Channel ', h('code', {}, name)),
      h(
        'div',
        { class: 'actions' },
        h('a', { href: `#/trace?channel=${encodeURIComponent(name)}` }, 'Trace this channel live'),
        h(
          'a',
          { href: `#/connections?channel=${encodeURIComponent(name)}` },
          'Its connections on this node',
        ),
      ),
      h('h2', {}, 'Presence'),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'quiet', onclick: loadPresence }, 'Reload presence'),
      ),
      presenceState.el,
      presenceHolder,
      h('h2', {}, 'History'),
      h(
        'form',
        {
          class: 'fields',
          onsubmit: (event) => {
            event.preventDefault();
            loadHistory();
          },
        },
        field('Limit', limit, { hint: '0: only the stream position; -1: all' }),
        field('Since offset', sinceOffset, { hint: 'publications after this offset' }),
        field('Since epoch', sinceEpoch, { hint: 'filled from the answer' }),
        field('Newest first', reverse, { check: true }),
        h('div', { class: 'actions field' }, h('button', { type: 'submit' }, 'Load history')),
      ),
      historyState.el,
      historyHolder,
    );
    detail.querySelector('#channel-title').focus();
    loadPresence();
    loadHistory();
  };

  root.append(
    h('h1', {}, 'Channels'),
    h(
      'section',
      { class: 'panel' },
      h(
        'form',
        {
          class: 'fields',
          role: 'search',
          onsubmit: (event) => {
            event.preventDefault();
            search();
          },
        },
        field('Pattern', pattern, {
          hint: 'e.g. chat:* — empty lists every channel with subscribers',
        }),
        h('div', { class: 'actions field' }, h('button', { type: 'submit' }, 'Search')),
      ),
      listState.el,
      list,
    ),
    detail,
  );
  const wanted = routeParams().get('channel');
  if (wanted) {
    pattern.value = wanted;
    open(wanted);
  }
  search();
}

export function leave() {}
