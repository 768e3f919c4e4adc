// Connections of THIS node, by user or by channel, with disconnect and unsubscribe buttons.
// The buttons send the server API's disconnect and unsubscribe commands (which reach the
// connection on whichever node holds it); the list itself is this node's only.
import { field, h, plural, routeParams, statusLine, table } from '../dom.js';

export const title = 'Connections';

export function enter(root, { api }) {
  const byUser = h('input', { type: 'radio', name: 'by', value: 'user', checked: true });
  const byChannel = h('input', { type: 'radio', name: 'by', value: 'channel' });
  const query = h('input', {
    type: 'search',
    name: 'query',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const state = statusLine();
  const actionState = statusLine();
  const list = h('div', {});
  const scope = h('p', { class: 'hint', id: 'connections-scope' });

  const target = () => {
    const value = query.value.trim();
    if (byChannel.checked) return value === '' ? {} : { channel: value };
    return value === '' ? {} : { user: value };
  };

  const act = async (label, method, params) => {
    actionState.info(`${label}…`);
    try {
      await api.result(method, params);
      actionState.ok(`${label}: done.`);
    } catch (err) {
      actionState.error(`${label} failed: ${err.message}`);
    }
    // Give the node a moment to apply it before the list is read again.
    setTimeout(load, 250);
  };

  const load = async () => {
    state.info('Loading…');
    try {
      const res = await api.connections({ ...target(), limit: 200 });
      scope.textContent = `Connections held by node ${res.node}. In a cluster each node lists its own: open another node's admin UI to see its connections.`;
      const shown = res.connections.length;
      state.info(
        shown < res.total
          ? `${res.total} connections, first ${shown} shown.`
          : `${plural(res.total, 'connection')}.`,
      );
      list.replaceChildren(
        shown === 0
          ? h('p', { class: 'muted' }, 'No connection matches.')
          : table(
              `Connections on node ${res.node}`,
              ['Client', 'User', 'Transport', 'Subscriptions', 'Actions'],
              res.connections.map((c) => row(c)),
            ),
      );
    } catch (err) {
      state.error(err);
    }
  };

  const row = (c) => {
    const who = c.user === '' ? '(anonymous)' : c.user;
    const channels =
      c.channels.length === 0
        ? h('span', { class: 'muted' }, 'none')
        : h(
            'ul',
            { class: 'chips' },
            c.channels.map((ch) =>
              h(
                'li',
                {},
                h('code', {}, ch),
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'danger',
                    'aria-label': `Unsubscribe ${who} (${c.client}) from ${ch}`,
                    disabled: c.user === '',
                    onclick: () =>
                      act(`Unsubscribe ${c.client} from ${ch}`, 'unsubscribe', {
                        user: c.user,
                        client: c.client,
                        channel: ch,
                      }),
                  },
                  'Unsubscribe',
                ),
              ),
            ),
          );
    return [
      h('code', {}, c.client),
      who,
      `${c.transport} (${c.protocol})`,
      channels,
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          'aria-label': `Disconnect ${who} (${c.client})`,
          title:
            c.user === ''
              ? 'The server API acts on users: anonymous connections cannot be disconnected by it'
              : undefined,
          disabled: c.user === '',
          onclick: () =>
            act(`Disconnect ${c.client}`, 'disconnect', { user: c.user, client: c.client }),
        },
        'Disconnect',
      ),
    ];
  };

  root.append(
    h('h1', {}, 'Connections on this node'),
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
            load();
          },
        },
        h(
          'fieldset',
          { class: 'field' },
          h('legend', {}, 'Find by'),
          h('label', {}, byUser, ' User'),
          h('label', {}, byChannel, ' Channel'),
        ),
        field('User or channel', query, { hint: 'empty lists every connection of this node' }),
        h('div', { class: 'actions field' }, h('button', { type: 'submit' }, 'Find connections')),
      ),
      scope,
      state.el,
      actionState.el,
      list,
    ),
  );
  const params = routeParams();
  if (params.get('channel')) {
    byChannel.checked = true;
    query.value = params.get('channel');
  } else if (params.get('user')) query.value = params.get('user');
  load();
}

export function leave() {}
