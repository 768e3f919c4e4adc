// The admin UI's shell: login, navigation between pages (#/status, #/actions, ...), logout.
import { AdminApi } from './api.js';
import { field, h, statusLine } from './dom.js';
import * as actions from './pages/actions.js';
import * as channels from './pages/channels.js';
import * as connections from './pages/connections.js';
import * as status from './pages/status.js';
import * as trace from './pages/trace.js';

const PAGES = { status, actions, channels, connections, trace };
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const logout = document.getElementById('logout');
const api = new AdminApi();
let current;

async function boot() {
  let init;
  try {
    init = await api.init();
  } catch (err) {
    main.replaceChildren(h('p', { class: 'error', role: 'alert' }, err.message));
    return;
  }
  api.insecure = init.insecure;
  if (init.authenticated) showApp();
  else showLogin();
}

function showLogin(message) {
  leavePage();
  nav.hidden = true;
  logout.hidden = true;
  document.title = 'Log in · centrifugo-ts admin';
  const password = h('input', {
    type: 'password',
    name: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const state = statusLine();
  if (message) state.error(message);
  const submit = h('button', { type: 'submit' }, 'Log in');
  const form = h(
    'form',
    {
      onsubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        state.info('Logging in…');
        try {
          await api.login(password.value);
          showApp();
        } catch (err) {
          state.error(err);
          password.select();
        } finally {
          submit.disabled = false;
        }
      },
    },
    field('Admin password', password, { hint: 'admin.password in the node config' }),
    submit,
    state.el,
  );
  main.replaceChildren(h('section', { class: 'panel login' }, h('h1', {}, 'Log in'), form));
  password.focus();
}

function showApp() {
  nav.hidden = false;
  logout.hidden = api.insecure === true;
  if (location.hash === '' || location.hash === '#') location.replace('#/status');
  route();
}

function leavePage() {
  current?.leave?.();
  current = undefined;
}

function route() {
  if (nav.hidden) return;
  leavePage();
  const name = location.hash.replace(/^#\/?/, '').split('?')[0] || 'status';
  const page = PAGES[name];
  for (const a of nav.querySelectorAll('a')) {
    if (a.getAttribute('href') === `#/${name}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  main.replaceChildren();
  if (!page) {
    document.title = 'Not found · centrifugo-ts admin';
    main.append(
      h('h1', {}, 'Not found'),
      h('p', {}, 'No such page: ', h('a', { href: '#/status' }, 'go to Status'), '.'),
    );
    return;
  }
  document.title = `${page.title} · centrifugo-ts admin`;
  current = page;
  page.enter(main, { api });
  main.focus();
}

api.onUnauthorized = () => showLogin('Your admin session has ended: log in again.');
logout.addEventListener('click', () => {
  api.setToken('');
  showLogin();
});
window.addEventListener('hashchange', route);
boot();
