// console.js — the duty console in the browser. Every action is a call of tocsind's API with
// the user's session (cookie) and, for changes, its CSRF token; what a role may not do is
// refused by tocsind, and the console only leaves out the buttons. Text from the server is
// always put in as text (textContent), never as markup.
'use strict';

const words = {
  zh: {
    title: 'tocsin 值班台', lang: 'English', logout: '退出', login: '登录', name: '用户名', password: '密码',
    'sign-in': '登录', alerts: '预警', approvals: '待审核', sent: '发布时间', identifier: '标识',
    sender: '发布单位', status: '类别', state: '状态', none: '暂无', author: '起草人', targets: '目标',
    reason: '理由', urgent: '紧急发布（本人起草）', approve: '签发', reject: '退回',
    'reason-needed': '退回须写明理由', 'urgent-needed': '紧急发布须写明理由', done: '已处理',
    audit: '审计', alert: '预警', coverage: '覆盖率', region: '区域', covered: '已覆盖',
    escalated: '升级到人员的村', time: '时间', user: '用户', action: '操作', object: '对象', from: '来源',
    'chain-holds': '审计链完整', 'chain-broken': '审计链在第 {row} 行断开', rows: '行', confirmed: '已确认',
    compose: '起草', event: '灾种', colour: '级别', areas: '区域代码', 'area-desc': '区域描述',
    hours: '有效时长（小时）', headline: '标题', description: '内容', instruction: '防御指南',
    submit: '提交审核', valid: '校验通过', invalid: '校验未通过', 'would-reach': '将送达 {n} 个接收终端',
    'would-hold': '需第二人签发', receivers: '个终端', 'submitted-as': '已提交：{id}（{state}）',
  },
  en: {
    title: 'tocsin duty console', lang: '中文', logout: 'Sign out', login: 'Sign in', name: 'Name',
    password: 'Password', 'sign-in': 'Sign in', alerts: 'Alerts', approvals: 'Awaiting approval', sent: 'Sent',
    identifier: 'Identifier', sender: 'Sender', status: 'Status', state: 'State', none: 'None',
    author: 'Author', targets: 'Targets', reason: 'Reason', urgent: 'Urgent release (my own alert)',
    approve: 'Approve', reject: 'Reject', 'reason-needed': 'A rejection needs a reason',
    'urgent-needed': 'An urgent release needs a reason', done: 'Done',
    audit: 'Audit', alert: 'Alert', coverage: 'Coverage', region: 'Region', covered: 'Covered',
    escalated: 'Villages escalated to people', time: 'Time', user: 'User', action: 'Action', object: 'Object',
    from: 'From', 'chain-holds': 'The audit chain holds', 'chain-broken': 'The audit chain breaks at row {row}',
    rows: 'rows', confirmed: 'confirmed',
    compose: 'Compose', event: 'Event', colour: 'Level', areas: 'Region codes', 'area-desc': 'Area',
    hours: 'Valid for (hours)', headline: 'Headline', description: 'Description', instruction: 'Instructions',
    submit: 'Submit for approval', valid: 'Valid', invalid: 'Not valid', 'would-reach': 'Would reach {n} receivers',
    'would-hold': 'needs a second person to release it', receivers: 'receivers',
    'submitted-as': 'Submitted: {id} ({state})',
  },
};
let lang = localStorage.getItem('tocsin-lang') === 'en' ? 'en' : 'zh';
let me = null;

const $ = (id) => document.getElementById(id);
const t = (key) => words[lang][key] || key;

function translate() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.title = t('title');
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
}

// call METHOD PATH [BODY]: the API's answer as {status, json}; changes carry the CSRF token
async function call(method, path, body) {
  const headers = {};
  if (method !== 'GET') headers['X-CSRF-Token'] = sessionStorage.getItem('tocsin-csrf') || '';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, {
    method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json = null;
  try { json = await r.json(); } catch (e) { json = null; }
  return { status: r.status, json };
}

const why = (res) => (res.json && res.json.errors && res.json.errors[0] && res.json.errors[0].message) ||
  `HTTP ${res.status}`;

let shown = null; // the alert whose detail is open

function show(view) {
  for (const s of document.querySelectorAll('.view')) s.hidden = s.id !== view;
  for (const b of document.querySelectorAll('nav button')) b.classList.toggle('active', b.dataset.view === view);
  if (view === 'approvals') loadApprovals();
  else if (view === 'audit') loadAudit();
  else if (view === 'alert') loadAlert();
  else if (view === 'compose') checkDraft();
  else loadAlerts();
}

const cell = (tr, text) => {
  const td = document.createElement('td');
  td.textContent = text;
  tr.append(td);
  return td;
};

async function start() {
  const res = await call('GET', '/api/v1/whoami');
  me = res.status === 200 ? res.json : null;
  $('login-view').hidden = !!me;
  $('app-view').hidden = !me;
  $('logout').hidden = !me;
  $('who').textContent = me ? `${me.name} (${me.role})` : '';
  if (!me) return;
  const approver = me.may.includes('approve');
  document.querySelector('nav [data-view="approvals"]').hidden = !approver;
  document.querySelector('nav [data-view="audit"]').hidden = !me.may.includes('audit');
  document.querySelector('nav [data-view="compose"]').hidden = !me.may.includes('submit');
  show(approver ? 'approvals' : 'alerts');
}

async function loadAlerts() {
  const res = await call('GET', '/api/v1/alerts');
  if (res.status !== 200) { $('app-error').textContent = why(res); return; }
  const rows = $('alert-rows');
  rows.replaceChildren();
  for (const a of res.json.alerts) {
    const tr = document.createElement('tr');
    tr.dataset.id = a.id;
    tr.className = 'link';
    for (const v of [a.sent, a.identifier, a.sender, a.status, a.state]) cell(tr, v);
    tr.lastChild.className = `state-${a.state}`;
    tr.addEventListener('click', () => { shown = a.id; show('alert'); });
    rows.append(tr);
  }
  $('alerts-empty').hidden = res.json.alerts.length > 0;
}

async function loadApprovals() {
  const res = await call('GET', '/api/v1/approvals');
  if (res.status !== 200) { $('app-error').textContent = why(res); return; }
  const list = $('pending');
  list.replaceChildren();
  for (const a of res.json.pending) {
    const li = $('pending-item').content.firstElementChild.cloneNode(true);
    li.dataset.id = a.id;
    li.querySelector('.headline').textContent = a.text.split('\n')[0] || a.id;
    li.querySelector('.author').textContent = a.author;
    li.querySelector('.targets').textContent = String(a.targets);
    li.querySelector('.regions').textContent = a.regions.join(' ');
    li.querySelector('.text').textContent = a.text;
    for (const w of a.warnings) {
      const item = document.createElement('li');
      item.textContent = typeof w === 'string' ? w : w.message;
      li.querySelector('.warnings').append(item);
    }
    li.querySelector('.urgent-box').hidden = a.author !== me.name; // the urgent path: one's own alert
    li.querySelector('.approve').addEventListener('click', () => decide(li, a, true));
    li.querySelector('.reject').addEventListener('click', () => decide(li, a, false));
    list.append(li);
  }
  translate();
  $('pending-empty').hidden = res.json.pending.length > 0;
}

// One alert: its state and coverage from acknowledgments, per region, and the villages escalated
// to people, asked again every 5 s while it is open.
async function loadAlert() {
  if (!shown) return;
  const [st, rep] = await Promise.all([call('GET', `/api/v1/alerts/${shown}`),
    call('GET', `/api/v1/alerts/${shown}/report`)]);
  if (st.status !== 200 || rep.status !== 200) { $('app-error').textContent = why(st.status !== 200 ? st : rep); return; }
  $('alert-id').textContent = shown;
  $('alert-state').textContent = st.json.state;
  $('alert-targets').textContent = String(rep.json.targets);
  $('alert-coverage').textContent = `${rep.json.coverage} %`;
  const rows = $('region-rows');
  rows.replaceChildren();
  for (const r of rep.json.regions) {
    const tr = document.createElement('tr');
    for (const v of [r.region, r.targets, r.covered, `${r.coverage} %`]) cell(tr, String(v));
    rows.append(tr);
  }
  const villages = $('villages');
  villages.replaceChildren();
  for (const v of (rep.json.people && rep.json.people.villages) || []) {
    const li = document.createElement('li');
    const officers = (v.officers || []).map((o) => `${o.name || ''} ${o.phone || ''} ${o.state || ''}`.trim());
    li.textContent = `${v.region}: ${(v.receivers || []).join(' ')} → ${officers.join('; ')}` +
      (v.confirmed ? ` (${t('confirmed')})` : '');
    villages.append(li);
  }
}

// The audit trail's latest rows and whether its whole chain holds (tocsind checks it each time).
async function loadAudit() {
  const first = await call('GET', '/api/v1/audit?limit=1');
  if (first.status !== 200) { $('app-error').textContent = why(first); return; }
  const total = first.json.chain.rows;
  const res = await call('GET', `/api/v1/audit?after=${Math.max(0, total - 200)}&limit=200`);
  if (res.status !== 200) { $('app-error').textContent = why(res); return; }
  const chain = res.json.chain;
  $('chain').textContent = chain.holds ? `${t('chain-holds')}: ${chain.rows} ${t('rows')}, ${chain.head}`
    : `${t('chain-broken').replace('{row}', chain.first_bad_row)}: ${chain.why}`;
  $('chain').className = chain.holds ? 'holds' : 'error';
  const rows = $('audit-rows');
  rows.replaceChildren();
  for (const r of res.json.rows.slice().reverse()) {
    const tr = document.createElement('tr');
    const who = r.username ? `${r.username} (${r.role})` : r.actor;
    for (const v of [r.id, new Date(r.at * 1000).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB'), who, r.action, r.object || r.alert_id, r.source]) {
      cell(tr, String(v));
    }
    rows.append(tr);
  }
}

// --- composing: GB/T 35561 events and the four colour levels, CAP 1.2 made here -----------------

const events = [
  ['11B01', '台风', 'Typhoon'], ['11B03', '暴雨', 'Rainstorm'], ['11E02', '风暴潮', 'Storm surge'],
  ['11B14', '雷电', 'Lightning'], ['11B06', '大风', 'Gale'], ['11B09', '高温', 'Heat'],
  ['11B05', '寒潮', 'Cold wave'], ['11B17', '大雾', 'Fog'], ['11B15', '冰雹', 'Hail'],
];
// colour → CAP severity, as the cn profile reads it (蓝 Minor, 黄 Moderate, 橙 Severe, 红 Extreme)
const colours = [['蓝色', 'Blue', 'Minor'], ['黄色', 'Yellow', 'Moderate'], ['橙色', 'Orange', 'Severe'],
  ['红色', 'Red', 'Extreme']];

function fillDraftChoices() {
  const ev = $('c-event'), co = $('c-colour');
  if (ev.options.length) return;
  for (const [code, zh, en] of events) ev.add(new Option(`${zh} ${en}`, code));
  for (const [zh, en] of colours) co.add(new Option(`${zh} ${en}`, zh));
  co.value = '橙色';
}

// Beijing time as CAP wants it, and as the identifier's 14 digits
function beijing(date) {
  const b = new Date(date.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 19);
  return { cap: `${b}+08:00`, digits: b.replace(/[-T:]/g, '') };
}

// The draft as CAP 1.2 (built as a document, so every text is escaped by the serializer)
function draftXml() {
  const ns = 'urn:oasis:names:tc:emergency:cap:1.2';
  const doc = document.implementation.createDocument(ns, 'alert', null);
  const el = (parent, name, text) => {
    const e = doc.createElementNS(ns, name);
    if (text !== undefined) e.textContent = text;
    parent.append(e);
    return e;
  };
  const sender = (me.departments && me.departments[0]) || me.name;
  const now = beijing(new Date());
  const until = beijing(new Date(Date.now() + Number($('c-hours').value || 24) * 3600 * 1000));
  const [code, zhEvent] = events.find((e) => e[0] === $('c-event').value);
  const colour = colours.find((c) => c[0] === $('c-colour').value);
  const root = doc.documentElement;
  el(root, 'identifier', `${sender}_${now.digits}_0`);
  el(root, 'sender', sender);
  el(root, 'sent', now.cap);
  el(root, 'status', 'Actual');
  el(root, 'msgType', 'Alert');
  el(root, 'scope', 'Public');
  const info = el(root, 'info');
  el(info, 'language', 'zh-CN');
  el(info, 'category', 'Met');
  el(info, 'event', zhEvent);
  el(info, 'urgency', 'Expected');
  el(info, 'severity', colour[2]);
  el(info, 'certainty', 'Likely');
  const ec = el(info, 'eventCode');
  el(ec, 'valueName', 'GB/T 35561');
  el(ec, 'value', code);
  el(info, 'effective', now.cap);
  el(info, 'expires', until.cap);
  el(info, 'headline', $('c-headline').value || `${zhEvent}${colour[0]}预警`);
  if ($('c-description').value) el(info, 'description', $('c-description').value);
  if ($('c-instruction').value) el(info, 'instruction', $('c-instruction').value);
  const par = el(info, 'parameter');
  el(par, 'valueName', 'COLOUR');
  el(par, 'value', colour[0]);
  const area = el(info, 'area');
  el(area, 'areaDesc', $('c-area-desc').value || $('c-areas').value);
  for (const c of $('c-areas').value.split(/[\s,，]+/).filter(Boolean)) {
    const g = el(area, 'geocode');
    el(g, 'valueName', 'ADCODE');
    el(g, 'value', c);
  }
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(doc);
}

async function postXml(path) {
  const r = await fetch(path, {
    method: 'POST', credentials: 'same-origin', body: draftXml(),
    headers: { 'Content-Type': 'application/cap+xml', 'X-CSRF-Token': sessionStorage.getItem('tocsin-csrf') || '' },
  });
  let json = null;
  try { json = await r.json(); } catch (e) { json = null; }
  return { status: r.status, json };
}

// Checked as the officer types: every error with its place, and what the alert would reach
let checking = null;
async function checkDraft() {
  fillDraftChoices();
  const res = await postXml('/api/v1/alerts/check');
  const errors = $('check-errors'), regions = $('check-regions');
  errors.replaceChildren();
  regions.replaceChildren();
  if (!res.json) { $('check-summary').textContent = why(res); return; }
  const ok = res.json.valid === true;
  $('check-summary').textContent = ok
    ? `${t('valid')} · ${t('would-reach').replace('{n}', res.json.targets)}${res.json.held ? ' · ' + t('would-hold') : ''}`
    : t('invalid');
  $('check-summary').className = ok ? 'holds' : 'error';
  for (const e of res.json.errors || []) {
    const li = document.createElement('li');
    li.textContent = `${e.path}: ${e.message}`;
    li.dataset.code = e.code;
    errors.append(li);
  }
  for (const r of res.json.regions || []) {
    const li = document.createElement('li');
    li.textContent = `${r.region}: ${r.receivers} ${t('receivers')}`;
    regions.append(li);
  }
}
$('draft').addEventListener('input', () => {
  clearTimeout(checking);
  checking = setTimeout(checkDraft, 500);
});
$('draft').addEventListener('change', () => {
  clearTimeout(checking);
  checking = setTimeout(checkDraft, 100);
});
$('draft').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const res = await postXml('/api/v1/alerts');
  if (res.status >= 300) { $('submitted').textContent = why(res); $('submitted').className = 'error'; return; }
  $('submitted').className = 'holds';
  $('submitted').textContent = t('submitted-as').replace('{id}', res.json.id).replace('{state}', res.json.state);
  $('submitted').dataset.id = res.json.id;
});

async function decide(li, a, approve) {
  const reason = li.querySelector('.reason').value.trim();
  const urgent = li.querySelector('.urgent').checked;
  const error = li.querySelector('.error');
  if (!approve && !reason) { error.textContent = t('reason-needed'); return; }
  if (urgent && !reason) { error.textContent = t('urgent-needed'); return; }
  const body = approve ? { reason, urgent } : { reason };
  const res = await call('POST', `/api/v1/alerts/${a.id}/${approve ? 'approve' : 'reject'}`, body);
  if (res.status !== 200) { error.textContent = why(res); return; }
  li.remove();
  loadApprovals();
}

$('login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const res = await call('POST', '/api/v1/login', { name: f.name.value, password: f.password.value });
  f.password.value = '';
  if (res.status !== 200) { $('login-error').textContent = why(res); return; }
  sessionStorage.setItem('tocsin-csrf', res.json.csrf);
  $('login-error').textContent = '';
  start();
});
$('logout').addEventListener('click', async () => {
  await call('POST', '/api/v1/logout');
  sessionStorage.removeItem('tocsin-csrf');
  start();
});
$('lang').addEventListener('click', () => {
  lang = lang === 'zh' ? 'en' : 'zh';
  localStorage.setItem('tocsin-lang', lang);
  translate();
});
for (const b of document.querySelectorAll('nav button')) b.addEventListener('click', () => show(b.dataset.view));
// the lists again every 15 s while the page is in view
// (not while an approver is writing a reason)
setInterval(() => {
  const typing = [...document.querySelectorAll('.reason')].some((i) => i.value || i === document.activeElement);
  if (me && !document.hidden && !typing) show(document.querySelector('.view:not([hidden])').id);
}, 15000);
setInterval(() => {
  if (me && !document.hidden && !$('alert').hidden) loadAlert();
}, 5000);
translate();
start();
