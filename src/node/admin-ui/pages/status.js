// Cluster status: every live node (the `info` command), refreshed every REFRESH_MS while the
// page is open and the tab visible.
import { duration, h, plural, statusLine, table } from '../dom.js';

export const title = 'Status';
const REFRESH_MS = 2000;

let timer;
let stopped = true;

export function enter(root, { api }) {
  stopped = false;
  const state = statusLine();
  const summary = h('p', { id: 'cluster-summary' });
  const holder = h('div', {});
  const updated = h('p', { class: 'hint' });
  root.append(h('h1', {}, 'Cluster status'), summary, holder, updated, state.el);

  const refresh = async () => {
    if (stopped) return;
    if (document.visibilityState === 'visible') {
      try {
        const { nodes = [] } = await api.result('info');
        if (stopped) return;
        render(nodes);
        state.clear();
        updated.textContent = `Updated ${new Date().toLocaleTimeString()}, every ${REFRESH_MS / 1000} s.`;
      } catch (err) {
        if (!stopped) state.error(err);
      }
    }
    if (!stopped) timer = setTimeout(refresh, REFRESH_MS);
  };

  const render = (nodes) => {
    nodes.sort((a, b) => a.name.localeCompare(b.name));
    const sum = (key) => nodes.reduce((n, node) => n + (node[key] ?? 0), 0);
    summary.textContent = `${plural(nodes.length, 'node')}, ${plural(sum('num_clients'), 'client')}, ${plural(sum('num_users'), 'user')}, ${plural(sum('num_subs'), 'subscription')}.`;
    const rows = nodes.map((n) => [
      n.name,
      n.version,
      duration(n.uptime ?? 0),
      n.num_clients ?? 0,
      n.num_users ?? 0,
      n.num_subs ?? 0,
      n.num_channels ?? 0,
    ]);
    holder.replaceChildren(
      table(
        'Nodes of the cluster',
        ['Node', 'Version', 'Uptime', 'Clients', 'Users', 'Subscriptions', 'Channels'],
        rows,
        { numeric: [3, 4, 5, 6] },
      ),
    );
  };

  refresh();
}

export function leave() {
  stopped = true;
  clearTimeout(timer);
}
