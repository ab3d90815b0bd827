'use strict';
// The dashboard: the catalog, my instances, for admins all users' instances, and their actions, over the gateway's /api/v1.
const state = { me: null, timer: null };
const busyPhases = new Set(['Pending', 'Starting', 'Stopping', 'Deleting']);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

async function api(method, path, body) {
  const response = await fetch('/api/v1' + path, {
    method, credentials: 'same-origin',
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (response.status === 401) { showWelcome(); throw new Error('Please sign in.'); }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error(data && data.message ? data.message : 'Request failed (' + response.status + ')');
  return data;
}

function toast(message) {
  const t = document.getElementById('toast');
  t.textContent = message;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
}

function showWelcome() {
  document.getElementById('welcome').hidden = false;
  document.getElementById('app').hidden = true;
  document.getElementById('who').hidden = true;
}

function computeTags(t) {
  const c = t.compute || {};
  const tags = [];
  if (c.gpu) tags.push(c.gpu + ' GPU');
  if (c.gpuMemoryGiB) tags.push(c.gpuMemoryGiB + ' GiB GPU memory');
  if (c.cpu) tags.push(c.cpu + ' CPU');
  if (c.memory) tags.push(c.memory + ' memory');
  if (c.eci) tags.push('serverless');
  // an ECI template's GPUs come with its instance types, which the card cannot see
  if (!c.gpu && !c.gpuMemoryGiB && !c.eci) tags.push('CPU only');
  if (t.dedicated) tags.push('own instance');
  if (t.shared) tags.push('shared API');
  return tags;
}

function renderCatalog(templates, instances) {
  const mine = new Set(instances.map(i => i.namespace + '/' + i.template));
  const cards = document.getElementById('catalog');
  cards.replaceChildren(...templates.map(t => el('div', { class: 'card', 'data-template': t.name },
    el('h3', {}, t.displayName),
    t.description ? el('p', {}, t.description) : null,
    el('div', { class: 'tags' }, ...computeTags(t).map(x => el('span', { class: 'tag' }, x))),
    t.shared && t.sharedUrl ? el('div', { class: 'shared' }, 'Shared API: ', el('a', { href: t.sharedUrl, target: '_blank', rel: 'noopener' }, t.sharedUrl)) : null,
    el('div', { class: 'foot' },
      el('span', { class: 'tag' }, t.ready ? 'available' : 'unavailable'),
      t.dedicated ? el('button', {
        class: 'button primary install', disabled: mine.has(t.namespace + '/' + t.name) || !t.ready,
        onclick: () => act('Installing ' + t.displayName, () => api('POST', '/instances', { template: t.name, namespace: t.namespace })),
      }, mine.has(t.namespace + '/' + t.name) ? 'Installed' : 'Install') : null))));
}

const PHASES = ['Pending', 'Starting', 'Running', 'Suspended', 'Stopping', 'Stopped', 'Failed', 'Deleting'];

// "5 minutes ago" from an RFC 3339 time (null when there is none).
function ago(rfc3339) {
  const then = Date.parse(rfc3339);
  if (!rfc3339 || isNaN(then)) return null;
  const seconds = Math.round((then - Date.now()) / 1000);
  const words = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, size] of [['day', 86400], ['hour', 3600], ['minute', 60]]) {
    if (Math.abs(seconds) >= size) return words.format(Math.round(seconds / size), unit);
  }
  return 'just now';
}

// A suspended instance's status: when its owner last used it (or, never opened, since when it sleeps).
function suspendedNote(i) {
  const used = ago(i.lastActivity);
  const since = ago(i.suspendedAt);
  const text = used ? ' — last used ' + used : since ? ' — suspended ' + since : '';
  return el('span', { class: 'last-used', title: i.lastActivity ? 'Last used at ' + new Date(i.lastActivity).toLocaleString() : null }, text);
}

// The owner's link to their instance. A suspended one is woken first (the gateway records it as a
// visit, which starts it again), then opened as any other: its address shows the start until the app is ready.
function openLink(i, text) {
  const path = '/instances/' + encodeURIComponent(i.namespace) + '/' + encodeURIComponent(i.name);
  const onclick = i.phase !== 'Suspended' ? null : async event => {
    event.preventDefault();
    try { await api('POST', path + '/wake'); } catch (e) { toast(e.message); }
    window.open(i.url, '_blank', 'noopener');
    refresh().catch(() => {});
  };
  return el('a', { href: i.url, target: '_blank', rel: 'noopener', class: 'open', title: i.phase === 'Suspended' ? 'Wake and open' : 'Open', onclick }, text);
}

// One row of an instance table; admins' view of all users adds the owner column.
function instanceRow(i, templates, withOwner) {
  const names = new Map(templates.map(t => [t.namespace + '/' + t.name, t.displayName || t.name]));
  const appName = names.get(i.namespace + '/' + i.template) || i.template;
  const host = url => { try { return new URL(url).host; } catch (e) { return url; } };
  const going = i.phase === 'Deleting';
  // a restart re-creates the pod on the template's current version (upgradePolicy OnRestart)
  const restartToUpdate = i.update && i.update.reason === 'RestartToUpdate';
  const path = '/instances/' + encodeURIComponent(i.namespace) + '/' + encodeURIComponent(i.name);
  return el('tr', { 'data-instance': i.name, 'data-owner': i.owner },
    el('td', {}, i.name),
    withOwner ? el('td', { class: 'owner' }, i.owner) : null,
    el('td', {}, appName),
    el('td', {}, el('span', { class: 'phase ' + i.phase }, i.phase), i.phase === 'Suspended' ? suspendedNote(i) : null,
      i.message && i.phase !== 'Running' ? el('span', { class: 'message' }, i.message) : null,
      restartToUpdate ? el('span', { class: 'update', title: i.update.message }, 'Update available — restart to update')
        : i.update ? el('span', { class: 'update', title: i.update.message }, 'Updating to a new version') : null),
    // only the owner opens an instance (its UI holds their data): others', admins included, show the host as text
    el('td', {}, !(i.url && (i.phase === 'Running' || i.phase === 'Suspended')) ? '—'
      : i.owner === state.me.user ? openLink(i, host(i.url))
      : el('span', { class: 'host', title: 'Only ' + i.owner + ' can open it' }, host(i.url))),
    el('td', { class: 'actions' },
      i.state === 'Running'
        ? el('button', { class: 'button stop', disabled: going, onclick: () => act('Stopping ' + i.name, () => api('POST', path + '/stop')) }, 'Stop')
        : el('button', { class: 'button start', disabled: going, onclick: () => act('Starting ' + i.name, () => api('POST', path + '/start')) }, 'Start'),
      el('button', { class: 'button restart' + (restartToUpdate ? ' primary' : ''), disabled: i.phase !== 'Running',
        onclick: () => act('Restarting ' + i.name, () => api('POST', path + '/restart')) }, restartToUpdate ? 'Restart to update' : 'Restart'),
      el('button', { class: 'button danger delete', disabled: going, onclick: () => confirmDelete(i, path) }, 'Delete')));
}

function renderTable(id, emptyId, instances, templates, withOwner) {
  const table = document.getElementById(id);
  document.getElementById(emptyId).hidden = instances.length > 0;
  table.hidden = instances.length === 0;
  table.tBodies[0].replaceChildren(...instances.map(i => instanceRow(i, templates, withOwner)));
}

// The admins' filters go to the gateway, which does the filtering (GET /instances?all=true&owner=...).
function allUsersQuery() {
  const query = new URLSearchParams({ all: 'true' });
  const owner = document.getElementById('filter-owner').value.trim();
  const template = document.getElementById('filter-template').value;
  const phase = document.getElementById('filter-phase').value;
  if (owner) query.set('owner', owner);
  if (template) {
    const [namespace, name] = template.split('/');
    query.set('namespace', namespace);
    query.set('template', name);
  }
  if (phase) query.set('phase', phase);
  return '/instances?' + query;
}

function setOptions(select, values, labels) {
  const chosen = select.value;
  select.replaceChildren(el('option', { value: '' }, 'any'), ...values.map((v, k) => el('option', { value: v }, labels ? labels[k] : v)));
  select.value = values.includes(chosen) ? chosen : '';
}

function renderAllUsers(instances, templates) {
  setOptions(document.getElementById('filter-template'), templates.map(t => t.namespace + '/' + t.name), templates.map(t => t.displayName));
  setOptions(document.getElementById('filter-phase'), PHASES);
  const owners = [...new Set(instances.map(i => i.owner))].sort();
  document.getElementById('owners').replaceChildren(...owners.map(o => el('option', { value: o })));
  renderTable('all-instances', 'no-all-instances', instances, templates, true);
}

function confirmDelete(instance, path) {
  const dialog = document.getElementById('confirm-delete');
  document.getElementById('delete-name').textContent = instance.name;
  document.getElementById('delete-data').checked = false;
  dialog.onclose = () => {
    if (dialog.returnValue !== 'delete') return;
    const withData = document.getElementById('delete-data').checked;
    act('Deleting ' + instance.name, () => api('DELETE', path + (withData ? '?deleteData=true' : '')));
  };
  dialog.showModal();
}

async function act(what, call) {
  toast(what + '…');
  try { await call(); await refresh(); } catch (e) { toast(e.message); }
}

async function refresh() {
  const byName = (a, b) => a.name.localeCompare(b.name) || a.owner.localeCompare(b.owner);
  const [templates, instances, all] = await Promise.all([api('GET', '/templates'), api('GET', '/instances'),
    state.me.admin ? api('GET', allUsersQuery()) : null]);
  const items = instances.items.sort(byName);
  renderCatalog(templates.items, items);
  renderTable('instances', 'no-instances', items, templates.items, false);
  const everyone = all ? all.items.sort(byName) : [];
  if (all) renderAllUsers(everyone, templates.items);
  clearTimeout(state.timer);
  // refresh often while something is changing, rarely otherwise
  state.timer = setTimeout(() => refresh().catch(() => {}), items.concat(everyone).some(i => busyPhases.has(i.phase)) ? 1500 : 15000);
}

async function start() {
  try {
    state.me = await api('GET', '/me');
  } catch (e) {
    return;
  }
  document.getElementById('user').textContent = state.me.user + (state.me.admin ? ' (admin)' : '');
  document.getElementById('who').hidden = false;
  document.getElementById('app').hidden = false;
  // only admins get the view of all users; the gateway refuses it to anyone else
  document.getElementById('all-users').hidden = !state.me.admin;
  const filters = document.getElementById('filters');
  filters.addEventListener('change', () => refresh().catch(e => toast(e.message)));
  filters.addEventListener('submit', e => { e.preventDefault(); refresh().catch(x => toast(x.message)); });
  await refresh();
}

start();
