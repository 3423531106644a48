// console.js — the duty console in the browser. Every action is a call of tocsind's API with
// the user's session (cookie) and, for changes, its CSRF token; what a role may not do is
// refused by tocsind, and the console only leaves out the buttons. Text from the server is
// always put in as text (textContent), never as markup. The map (Leaflet, from Debian's
// libjs-leaflet, served by tocsind) draws the registry and the alert's areas; tiles only when
// the operator configured a tile server (map_tiles), so it works without the internet.
'use strict';

const words = {
  zh: {
    title: 'tocsin 值班台', lang: 'English', logout: '退出', login: '登录', name: '名称', password: '密码',
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
    fleet: '终端', 'in-force': '仅显示生效中', 'msg-type': '类型', refers: '更新/撤销', 'new-alert': '改为新预警',
    'use-template': '套用标准模板', 'template-kept': '内容已修改，未套用模板；点按钮覆盖',
    'template-used': '已套用{event}{colour}预警标准模板', shapes: '地图上的范围', 'draw-polygon': '画多边形',
    'draw-circle': '画圆', 'draw-done': '完成', 'draw-clear': '清除', 'english-too': '同时发布英文 (en-US)',
    preview: '试听预览', town: '乡镇', villages: '村', 'receivers-h': '终端', tree: '区县 → 乡镇 → 村',
    'display-screen': '避难场所显示屏', update: '更新预警', cancel: '撤销预警', village: '村', officers: '信息员',
    'sms-state': '短信状态', 'silent-only': '仅显示失联超过', 'hours-unit': '小时', receiver: '终端', kind: '类型',
    online: '在线', 'last-seen': '最后联系', shelters: '避难场所', shelter: '场所', capacity: '容量',
    import: '导入登记表 (CSV)', 'import-kind': '登记表', 'receivers-table': '终端', 'contacts-table': '联系人',
    'shelters-table': '避难场所', file: '文件', 'import-go': '导入', search: '搜索', any: '全部', detail: '详情',
    'no-area': '（未选区域）', polygon: '多边形', circle: '圆', 'click-vertices': '在地图上依次点击各顶点，点“完成”结束',
    'click-centre': '在地图上点击圆心，再点击圆周上一点', rendering: '正在合成语音…', 'sms-text': '短信',
    segments: '{n} 条（{enc}）', script: '播报稿', audio: '播报音频', 'fleet-summary': '{n} 个终端，{on} 个在线，{off} 个离线',
    yes: '是', no: '否', never: '从未', imported: '已导入 {n} 行（共 {total} 行）', 'import-failed': '导入未完成，以下各行有误（未导入任何一行）：',
    'choose-file': '请选择 CSV 文件', 'cancel-confirm': '确认撤销', 'cancel-reason': '撤销说明',
    'cancel-sent': '撤销已提交：{id}（{state}）', loudspeakers: '大喇叭', signage: '显示屏', 'live-on': '实时',
    'live-off': '连接中断，每 5 秒刷新', 'no-map': '地图库未安装（libjs-leaflet）', 'audit-count': '显示 {n} / {total} 行',
    office: '发布单位（地名）', 'no-level': '国家标准没有{event}{colour}预警信号，请自行撰写',
    unfilled: '请补全“……”处的内容后再提交', 'unofficial': '（此模板非国家标准文本，请核对）', planned: '待发', 'sent-s': '已发送',
    received: '已收到', played: '已播放', displayed: '已显示', failed: '失败', rejected: '拒收', expired: '过期',
    cancelled: '已撤销', 'escalated-s': '已升级', 'no-shape': '无', 'cap-update': '更新', 'cap-cancel': '撤销',
    'receivers-shown': '（显示前 {n} 个）', occupancy: '已入住', 'shelter-open': '开放', 'shelter-full': '已满',
    'shelter-closed': '关闭',
    drills: '演练', 'target-is': '到达目标', source: '来源', schedule: '计划', 'next-run': '下次', 'last-run': '上次',
    'added-by': '添加人', 'drill-add': '添加演练计划', every: '周期', daily: '每天', weekly: '每周', monthly: '每月',
    nth: '第几个', first: '第一个', second: '第二个', third: '第三个', fourth: '第四个', last: '最后一个', weekday: '星期',
    mon: '星期一', tue: '星期二', wed: '星期三', thu: '星期四', fri: '星期五', sat: '星期六', sun: '星期日',
    'time-bj': '时间（北京时间）', mode: '方式', silent: '静默测试（不出声，终端自检）', audible: '有声演练',
    'region-code': '区域代码（* 为全部）', add: '添加', remove: '删除', 'drill-runs': '演练记录', slot: '时间',
    'drill-report': '演练报告', csv: 'CSV', 'town-village': '乡镇 / 村', answered: '应答', median: '中位（秒）',
    worst: '最慢（秒）', within: '目标内', 'failed-receivers': '未通过的终端', trend: '趋势（最近各次）',
    'answer-rate': '应答率', 'report-of': '报告', 'src-config': '配置文件', 'src-api': '值班台/接口',
    'drill-summary': '{targets} 个终端，{answered} 个应答（{rate} %），{failed} 个未通过；{within} 个在 {target} 秒内',
    'drill-added': '已添加计划 {id}', 'audible-needs-approver': '有声演练须由签发人添加', all: '全部', 'all-towns': '合计',
    relay: '叫应（逐级确认）', level: '层级', 'relay-state': '状态', 'relay-steps': '人员（依次）', 'relay-turn': '当前',
    'level-town': '乡镇', 'level-village': '村', waiting: '等待确认', 'ran-out': '无人确认（已到链尾）',
    'turn-of': '等待第 {n} 位：{who}', 'ran-out-at': '第 {n} 位后无人确认，已报区值班室', 'confirmed-by': '{who} 于 {at} 确认',
    told: '已通知', 'not-told': '未通知', 'v-silent': '无应答', 'v-failed': '自检失败',
    health: '终端健康与维护清单', listed: '待维护', 'health-pct': '健康率', 'health-target': '覆盖目标 90–95 %',
    'health-good': '≥ 95 %', 'health-fair': '90–95 %', 'health-poor': '< 90 %', problem: '问题', 'p-offline': '离线',
    'p-self-check': '自检失败', 'p-silent': '多次无应答', 'p-clock': '时钟偏差', problems: '问题及依据',
    'listed-since': '列入时间', 'online-dot': '在线', 'offline-dot': '离线', 'listed-dot': '在维护清单上',
    'health-summary': '{n} 个终端中 {listed} 个在维护清单上：离线 {offline}，自检失败 {check}，多次无应答 {silent}，时钟偏差 {clock}',
    'health-count': '显示 {n} / {total} 个',
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
    rows: 'rows', confirmed: 'Confirmed',
    compose: 'Compose', event: 'Event', colour: 'Level', areas: 'Region codes', 'area-desc': 'Area',
    hours: 'Valid for (hours)', headline: 'Headline', description: 'Description', instruction: 'Instructions',
    submit: 'Submit for approval', valid: 'Valid', invalid: 'Not valid', 'would-reach': 'Would reach {n} receivers',
    'would-hold': 'needs a second person to release', receivers: 'receivers', 'submitted-as': 'Submitted: {id} ({state})',
    fleet: 'Receivers', 'in-force': 'In force only', 'msg-type': 'Type', refers: 'Updates/cancels', 'new-alert': 'Make it a new alert',
    'use-template': 'Use the standard template', 'template-kept': 'Text edited, template not applied; press the button to replace it',
    'template-used': 'Standard template for {event} {colour} applied', shapes: 'Drawn on the map', 'draw-polygon': 'Draw polygon',
    'draw-circle': 'Draw circle', 'draw-done': 'Done', 'draw-clear': 'Clear', 'english-too': 'Also in English (en-US)',
    preview: 'Preview', town: 'Town', villages: 'Villages', 'receivers-h': 'Receivers', tree: 'County → town → village',
    'display-screen': 'Shelter display', update: 'Update', cancel: 'Cancel alert', village: 'Village', officers: 'Officers',
    'sms-state': 'SMS state', 'silent-only': 'Only silent for more than', 'hours-unit': 'hours', receiver: 'Receiver',
    kind: 'Kind', online: 'Online', 'last-seen': 'Last seen', shelters: 'Shelters', shelter: 'Shelter', capacity: 'Capacity',
    import: 'Import a registry (CSV)', 'import-kind': 'Registry', 'receivers-table': 'Receivers', 'contacts-table': 'Contacts',
    'shelters-table': 'Shelters', file: 'File', 'import-go': 'Import', search: 'Search', any: 'Any', detail: 'Detail',
    'no-area': '(no area chosen)', polygon: 'polygon', circle: 'circle', 'click-vertices': 'Click each corner on the map, then Done',
    'click-centre': 'Click the centre on the map, then a point on the edge', rendering: 'Rendering speech…', 'sms-text': 'SMS',
    segments: '{n} segment(s) ({enc})', script: 'Spoken script', audio: 'Programme audio',
    'fleet-summary': '{n} receivers, {on} online, {off} offline', yes: 'yes', no: 'no', never: 'never',
    imported: 'Imported {n} rows (of {total})', 'import-failed': 'Nothing was imported; these rows are wrong:',
    'choose-file': 'Choose a CSV file', 'cancel-confirm': 'Confirm cancel', 'cancel-reason': 'Why it is lifted',
    'cancel-sent': 'Cancel submitted: {id} ({state})', loudspeakers: 'loudspeakers', signage: 'displays', 'live-on': 'live',
    'live-off': 'connection lost, refreshing every 5 s', 'no-map': 'The map library is not installed (libjs-leaflet)',
    'audit-count': 'Showing {n} of {total} rows', office: 'Issuing office (place)',
    'no-level': 'The national standard has no {colour} {event} signal; write the text yourself',
    unfilled: 'Fill in the places marked …… before submitting', unofficial: ' (not a national standard text: check it)', 
    planned: 'planned', 'sent-s': 'sent', received: 'received', played: 'played', displayed: 'displayed', failed: 'failed',
    rejected: 'rejected', expired: 'expired', cancelled: 'cancelled', 'escalated-s': 'escalated', 'no-shape': 'none',
    'cap-update': 'Update', 'cap-cancel': 'Cancel', 'receivers-shown': '(first {n} shown)', occupancy: 'Inside',
    'shelter-open': 'open', 'shelter-full': 'full', 'shelter-closed': 'closed',
    drills: 'Drills', 'target-is': 'Target', source: 'Source', schedule: 'Schedule', 'next-run': 'Next', 'last-run': 'Last',
    'added-by': 'Added by', 'drill-add': 'Add a drill schedule', every: 'Every', daily: 'day', weekly: 'week', monthly: 'month',
    nth: 'Which', first: 'first', second: 'second', third: 'third', fourth: 'fourth', last: 'last', weekday: 'Day',
    mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday',
    'time-bj': 'Time (Beijing)', mode: 'Mode', silent: 'Silent test (self-check, nothing heard)', audible: 'Audible drill',
    'region-code': 'Region code (* for all)', add: 'Add', remove: 'Remove', 'drill-runs': 'Runs', slot: 'Slot',
    'drill-report': 'Drill report', csv: 'CSV', 'town-village': 'Town / village', answered: 'Answered', median: 'Median (s)',
    worst: 'Worst (s)', within: 'Within target', 'failed-receivers': 'Receivers that failed', trend: 'Trend (last runs)',
    'answer-rate': 'Answer rate', 'report-of': 'Report', 'src-config': 'configuration', 'src-api': 'console/API',
    'drill-summary': '{targets} receivers, {answered} answered ({rate} %), {failed} failed; {within} within {target} s',
    'drill-added': 'Schedule {id} added', 'audible-needs-approver': 'Only an approver may add an audible drill', all: 'all',
    'all-towns': 'All', relay: 'Relay with confirmation', level: 'Level', 'relay-state': 'State', 'relay-steps': 'People (in turn)',
    'relay-turn': 'Now', 'level-town': 'town', 'level-village': 'village', waiting: 'waiting', 'ran-out': 'ran out (nobody confirmed)',
    'turn-of': 'waiting for no. {n}: {who}', 'ran-out-at': 'nobody confirmed after no. {n}; the district duty room was told',
    'confirmed-by': 'confirmed by {who} at {at}', told: 'told', 'not-told': 'not told', 'v-silent': 'no answer',
    'v-failed': 'check failed',
    health: 'Receiver health and the maintenance list', listed: 'Listed', 'health-pct': 'Health',
    'health-target': 'Coverage target 90–95 %', 'health-good': '≥ 95 %', 'health-fair': '90–95 %', 'health-poor': '< 90 %',
    problem: 'Problem', 'p-offline': 'offline', 'p-self-check': 'self-check failed', 'p-silent': 'repeatedly silent',
    'p-clock': 'clock off', problems: 'Problems and evidence', 'listed-since': 'Listed since', 'online-dot': 'online',
    'offline-dot': 'offline', 'listed-dot': 'on the maintenance list',
    'health-summary': '{listed} of {n} receivers on the maintenance list: offline {offline}, self-check {check}, silent {silent}, clock {clock}',
    'health-count': 'Showing {n} of {total}',
  },
};

let lang = localStorage.getItem('tocsin-lang') === 'en' ? 'en' : 'zh';
let me = null;

const $ = (id) => document.getElementById(id);
const t = (key) => words[lang][key] || key;
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));

function translate() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.title = t('title');
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
}

// call METHOD PATH [BODY [TYPE]]: the API's answer as {status, json}; changes carry the CSRF token
async function call(method, path, body, type) {
  const headers = {};
  if (method !== 'GET') headers['X-CSRF-Token'] = sessionStorage.getItem('tocsin-csrf') || '';
  if (body !== undefined) headers['Content-Type'] = type || 'application/json';
  let r;
  try {
    r = await fetch(path, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : type ? body : JSON.stringify(body),
    });
  } catch (e) {
    return { status: 0, json: null };
  }
  let json = null;
  try { json = await r.json(); } catch (e) { json = null; }
  return { status: r.status, json };
}

const why = (res) => (res.json && res.json.errors && res.json.errors[0] && res.json.errors[0].message) ||
  (res.status ? `HTTP ${res.status}` : 'tocsind cannot be reached');
const may = (right) => !!me && me.may.includes(right);

let shown = null; // the alert whose dashboard is open

function show(view) {
  for (const s of document.querySelectorAll('.view')) s.hidden = s.id !== view;
  for (const b of document.querySelectorAll('nav button')) b.classList.toggle('active', b.dataset.view === view);
  if (view !== 'alert') stopWatch();
  $('app-error').textContent = '';
  if (view === 'approvals') loadApprovals();
  else if (view === 'audit') loadAudit();
  else if (view === 'alert') watchAlert();
  else if (view === 'compose') openCompose();
  else if (view === 'fleet') loadFleetView();
  else if (view === 'drills') loadDrills();
  else loadAlerts();
}

const node = (tag, text, cls) => {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
};
const cell = (tr, text) => {
  const td = node('td', text);
  tr.append(td);
  return td;
};
const when = (s) => (s ? new Date(s * 1000).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB') : t('never'));

async function start() {
  const res = await call('GET', '/api/v1/whoami');
  me = res.status === 200 ? res.json : null;
  $('login-view').hidden = !!me;
  $('app-view').hidden = !me;
  $('logout').hidden = !me;
  $('who').textContent = me ? `${me.name} (${me.role})` : '';
  if (!me) { stopWatch(); return; }
  document.querySelector('nav [data-view="approvals"]').hidden = !may('approve');
  document.querySelector('nav [data-view="audit"]').hidden = !may('audit');
  document.querySelector('nav [data-view="compose"]').hidden = !may('submit');
  $('import').hidden = !may('registry');
  show(may('approve') ? 'approvals' : 'alerts');
}

// --- the map: Leaflet without tiles unless the operator named a tile server ----------------------

let mapSettings = null;
const maps = {};

async function mapOf(id) {
  if (maps[id]) return maps[id];
  if (typeof L === 'undefined') {
    $(id).textContent = t('no-map');
    return null;
  }
  if (!mapSettings) {
    const r = await fetch('map.json', { credentials: 'same-origin' });
    mapSettings = r.ok ? await r.json() : {};
  }
  const m = L.map(id, { zoomSnap: 0.25 });
  if (mapSettings.tiles) {
    L.tileLayer(mapSettings.tiles, { attribution: mapSettings.attribution || '', maxZoom: 18 }).addTo(m);
  }
  m.setView([39.0, 117.7], 9);
  maps[id] = { map: m, layers: L.layerGroup().addTo(m), shapes: L.layerGroup().addTo(m), fitted: false };
  return maps[id];
}

// fit the map once to what it shows (receivers and shapes), not again on every refresh
function fitOnce(mp, points) {
  if (mp.fitted || !points.length) return;
  mp.map.fitBounds(L.latLngBounds(points).pad(0.15));
  mp.fitted = true;
}

// thousands of dots draw on one canvas; a few hundred as SVG elements, each with its own tooltip
const rendererFor = (n) => (n > 3000 ? L.canvas({ padding: 0.2 }) : L.svg());

// The receivers as dots on a map, made once per registry read and restyled as their state
// changes (an SSE event or a check restyles what changed, not thousands of dots anew).
// look(r) gives a dot's colours and size; tip(r) its tooltip, put in as text.
function showDots(mp, list, look, tip) {
  if (mp.dotsFor !== fleet) {
    clearDots(mp);
    mp.dotsFor = fleet;
    mp.renderer = rendererFor(fleet.receivers.length);
  }
  const keep = new Set();
  for (const r of list) {
    keep.add(r.id);
    const style = look(r), text = tip(r), key = JSON.stringify(style) + text;
    let d = mp.dots.get(r.id);
    if (!d) {
      d = L.circleMarker([r.lat, r.lon], { renderer: mp.renderer, weight: 1, color: '#333', ...style })
        .bindTooltip(node('span', text)).addTo(mp.layers);
      mp.dots.set(r.id, d);
    } else if (d.key !== key) {
      d.setStyle(style);
      d.setTooltipContent(node('span', text));
    }
    d.key = key;
  }
  for (const [id, d] of mp.dots) {
    if (!keep.has(id)) {
      mp.layers.removeLayer(d);
      mp.dots.delete(id);
    }
  }
}

function clearDots(mp) {
  mp.layers.clearLayers();
  mp.dots = new Map();
  mp.dotsFor = null;
}

const stateColours = {
  planned: '#9e9e9e', sent: '#1565c0', received: '#00838f', played: '#2e7d32', displayed: '#2e7d32',
  failed: '#c62828', rejected: '#c62828', expired: '#6d4c41', cancelled: '#757575', escalated: '#ef6c00',
  online: '#2e7d32', offline: '#c62828', target: '#d84315', other: '#90a4ae', listed: '#6a1b9a',
};
const stateWord = (s) => t(s === 'sent' ? 'sent-s' : s === 'escalated' ? 'escalated-s' : s);

// --- the registry with liveness: the receivers screen, the map's dots, the area tree -------------

let fleet = null; // {receivers, shelters, byId, at}

async function loadFleet(force) {
  if (fleet && !force && Date.now() - fleet.at < 30000) return fleet;
  const res = await call('GET', '/api/v1/fleet');
  if (res.status !== 200) { $('app-error').textContent = why(res); return fleet; }
  const byId = new Map();
  for (const r of res.json.receivers) byId.set(r.id, r);
  fleet = { receivers: res.json.receivers, shelters: res.json.shelters || [], byId, now: res.json.now, at: Date.now() };
  return fleet;
}

const FLEET_ROWS = 2000; // rows drawn in the table; the map shows all
const kindWord = (kind) => t(kind === 'signage' ? 'signage' : 'loudspeakers');
let fleetShown = []; // the receivers the screen lists: all, or the silent ones

async function loadFleetView() {
  const f = await loadFleet(true);
  if (!f) return;
  let list = f.receivers;
  const on = list.filter((r) => r.online).length;
  $('fleet-summary').textContent = fill(t('fleet-summary'), { n: list.length, on, off: list.length - on });
  if ($('silent-only').checked) {
    const res = await call('GET', `/api/v1/fleet?silent=${Math.round(Number($('silent-hours').value || 24) * 3600)}`);
    if (res.status !== 200) { $('app-error').textContent = why(res); return; }
    list = res.json.receivers;
  }
  const rows = $('fleet-rows');
  rows.replaceChildren();
  for (const r of list.slice(0, FLEET_ROWS)) {
    const tr = node('tr');
    tr.dataset.id = r.id;
    for (const v of [r.id, kindWord(r.kind), r.name, r.region]) cell(tr, v);
    cell(tr, r.online ? t('yes') : t('no')).className = r.online ? 'holds' : 'error';
    cell(tr, when(r.last_seen));
    rows.append(tr);
  }
  if (list.length > FLEET_ROWS) rows.append(node('tr', fill(t('receivers-shown'), { n: FLEET_ROWS })));
  const shelters = $('shelter-rows');
  shelters.replaceChildren();
  for (const s of f.shelters) {
    const tr = node('tr');
    for (const v of [s.id, s.name, s.capacity, s.occupancy === undefined ? '' : s.occupancy]) cell(tr, v);
    cell(tr, t(`shelter-${s.state || 'open'}`)).className = s.state && s.state !== 'open' ? 'error' : 'holds';
    shelters.append(tr);
  }
  fleetShown = list;
  await loadHealth();
  const mp = await mapOf('f-map');
  if (!mp) return;
  mp.shapes.clearLayers();
  for (const s of f.shelters) {
    L.rectangle([[s.lat - 0.002, s.lon - 0.003], [s.lat + 0.002, s.lon + 0.003]], { color: '#1565c0', weight: 2 })
      .bindTooltip(node('span', `${s.name} (${s.capacity})`)).addTo(mp.shapes);
  }
  drawFleetMap();
  mp.map.invalidateSize();
}
$('silent-only').addEventListener('change', loadFleetView);
$('silent-hours').addEventListener('change', () => { if ($('silent-only').checked) loadFleetView(); });

// The receivers map: green online, red offline; the receivers the maintenance list shows (as
// filtered) ringed. The dots are made once per registry read (showDots) and only restyled when the
// list or its filter changes.
function drawFleetMap() {
  const mp = maps['f-map'];
  if (!mp || !fleet) return;
  const marked = new Map(healthShown().map((r) => [r.id, r]));
  showDots(mp, fleetShown, (r) => {
    const fillColor = r.online ? stateColours.online : stateColours.offline;
    return marked.has(r.id) ? { radius: 8, weight: 3, color: stateColours.listed, fillColor, fillOpacity: 0.9 }
      : { radius: 5, weight: 1, color: '#333', fillColor, fillOpacity: 0.9 };
  }, (r) => {
    const h = marked.get(r.id);
    return h ? `${r.id} ${r.name}: ${h.problems.map((p) => t(`p-${p.problem}`)).join(', ')}` : `${r.id} ${r.name}`;
  });
  fitOnce(mp, fleetShown.map((r) => [r.lat, r.lon]));
}

// --- receiver health: each town's figure and the maintenance list (GET /api/v1/health), read only ---

let health = null; // the last answer

// a town's figure against the bureaus' coverage targets of 90–95 %
const healthClass = (h) => (h >= 0.95 ? 'health-good' : h >= 0.9 ? 'health-fair' : 'health-poor');
const percent = (h) => `${(h * 100).toFixed(1)} %`;

function option(value, text, key) {
  const o = node('option', text);
  o.value = value;
  if (key) o.dataset.t = key;
  return o;
}

async function loadHealth() {
  const res = await call('GET', '/api/v1/health');
  // a role that may not read it does not see it
  $('health').hidden = res.status === 401 || res.status === 403;
  if (res.status !== 200) {
    health = null;
    $('health-error').textContent = $('health').hidden ? '' : why(res);
    return;
  }
  $('health-error').textContent = '';
  health = res.json;
  showHealth();
}

// the last answer drawn: the summary, the towns' figures, the town filter's choices, the list
function showHealth() {
  const c = health.counts;
  $('health-summary').textContent = fill(t('health-summary'), {
    n: c.receivers, listed: c.listed, offline: c.offline, check: c['self-check'], silent: c.silent, clock: c.clock,
  });
  const rows = $('health-towns');
  rows.replaceChildren();
  const townRow = (town, tw, cls) => {
    const tr = node('tr', null, cls);
    tr.dataset.town = town;
    for (const v of [cls ? t('all-towns') : town, tw.receivers, tw.listed]) cell(tr, v);
    const ratio = tw.receivers ? (tw.receivers - tw.listed) / tw.receivers : 1;
    cell(tr, percent(cls ? ratio : tw.health)).className = `health ${healthClass(cls ? ratio : tw.health)}`;
    rows.append(tr);
  };
  for (const tw of health.towns) townRow(tw.town, tw);
  if (health.towns.length > 1) townRow('', c, 'total');
  const pick = $('health-town'), chosen = pick.value;
  pick.replaceChildren(option('', t('any'), 'any'), ...health.towns.map((tw) => option(tw.town, tw.town)));
  pick.value = health.towns.some((tw) => tw.town === chosen) ? chosen : '';
  showHealthList();
}

// the list as the filters (problem, town) choose
function healthShown() {
  if (!health) return [];
  const problem = $('health-problem').value, town = $('health-town').value;
  return health.receivers.filter((r) => (!town || r.town === town) &&
    (!problem || r.problems.some((p) => p.problem === problem)));
}

function showHealthList() {
  const list = healthShown();
  const rows = $('health-rows');
  rows.replaceChildren();
  for (const r of list) {
    const tr = node('tr');
    tr.dataset.id = r.id;
    tr.dataset.problems = r.problems.map((p) => p.problem).join(' ');
    for (const v of [r.id, kindWord(r.kind), r.name, r.region]) cell(tr, v);
    const problems = cell(tr, '');
    for (const p of r.problems) {
      const div = node('div', null, 'problem');
      div.dataset.problem = p.problem;
      div.append(node('strong', t(`p-${p.problem}`)), node('span', ` ${p.evidence}`, 'evidence'));
      problems.append(div);
    }
    cell(tr, when(r.since));
    rows.append(tr);
  }
  $('health-count').textContent = health ? fill(t('health-count'), { n: list.length, total: health.receivers.length }) : '';
  drawFleetMap();
}
$('health-problem').addEventListener('change', showHealthList);
$('health-town').addEventListener('change', showHealthList);

// A registry file from the officer's computer, imported all or nothing; every bad row by its line.
$('import').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const file = $('import-file').files[0];
  const result = $('import-result'), errors = $('import-errors');
  errors.replaceChildren();
  if (!file) { result.textContent = t('choose-file'); result.className = 'error'; return; }
  result.textContent = '…';
  result.className = '';
  const res = await call('POST', `/api/v1/${$('import-kind').value}`, await file.text(), 'text/csv');
  if (res.status === 200) {
    result.className = 'holds';
    result.textContent = fill(t('imported'), { n: res.json.imported, total: res.json.total });
    for (const w of res.json.warnings || []) errors.append(node('li', w.message || w, 'warning'));
    fleet = null;
    loadFleetView();
    return;
  }
  result.className = 'error';
  result.textContent = res.json && res.json.errors ? t('import-failed') : why(res);
  for (const e of (res.json && res.json.errors) || []) errors.append(node('li', e.message));
});

// --- the alerts -------------------------------------------------------------------------------------

const ended = new Set(['cancelled', 'superseded', 'expired', 'rejected']);
// in force: a warning (not a Cancel) neither ended, rejected nor expired
const inForce = (a, now) => !ended.has(a.state) && a.msgType !== 'Cancel' && (!a.expires_at || a.expires_at > now);

async function loadAlerts() {
  const res = await call('GET', '/api/v1/alerts');
  if (res.status !== 200) { $('app-error').textContent = why(res); return; }
  const rows = $('alert-rows');
  rows.replaceChildren();
  const now = Date.now() / 1000;
  const list = res.json.alerts.filter((a) => !$('in-force').checked || inForce(a, now));
  for (const a of list) {
    const tr = node('tr', null, 'link');
    tr.dataset.id = a.id;
    for (const v of [a.sent, a.identifier, a.sender, a.msgType, a.status, a.state]) cell(tr, v);
    tr.lastChild.className = `state-${a.state}`;
    tr.addEventListener('click', () => { shown = a.id; show('alert'); });
    rows.append(tr);
  }
  $('alerts-empty').hidden = list.length > 0;
}
$('in-force').addEventListener('change', loadAlerts);

// --- approvals: the queue of alerts held for a second person ----------------------------------------

async function loadApprovals() {
  const res = await call('GET', '/api/v1/approvals');
  if (res.status !== 200) { $('app-error').textContent = why(res); return; }
  const list = $('pending');
  // the same queue as drawn is left alone: a reason half written or a box in hand stays as it is
  const drawn = res.json.pending.map((a) => a.id).join(' ');
  if (list.children.length && list.dataset.drawn === drawn) return;
  list.dataset.drawn = drawn;
  list.replaceChildren();
  for (const a of res.json.pending) {
    const li = $('pending-item').content.firstElementChild.cloneNode(true);
    li.dataset.id = a.id;
    li.querySelector('.headline').textContent = a.text.split('\n')[0] || a.id;
    li.querySelector('.author').textContent = a.author;
    li.querySelector('.targets').textContent = String(a.targets);
    li.querySelector('.regions').textContent = a.regions.join(' ');
    li.querySelector('.text').textContent = a.text;
    for (const w of a.warnings) li.querySelector('.warnings').append(node('li', typeof w === 'string' ? w : w.message));
    li.querySelector('.urgent-box').hidden = a.author !== me.name; // the urgent path: one's own alert
    li.querySelector('.approve').addEventListener('click', () => decide(li, a, true));
    li.querySelector('.reject').addEventListener('click', () => decide(li, a, false));
    li.querySelector('.listen').addEventListener('click', async () => {
      const cap = await fetch(`/api/v1/alerts/${a.id}/cap`, { credentials: 'same-origin' });
      if (!cap.ok) { li.querySelector('.error').textContent = `HTTP ${cap.status}`; return; }
      previewInto(li.querySelector('.listen-box'), await cap.text());
    });
    list.append(li);
  }
  translate();
  $('pending-empty').hidden = res.json.pending.length > 0;
}

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

// --- the live dashboard of one alert: server-sent events, a map by delivery state -------------------

let stream = null, polling = null;
let watch = null; // {id, deliveries: Map receiver → {state, region}, markers}

function stopWatch() {
  if (stream) stream.close();
  stream = null;
  clearInterval(polling);
  polling = null;
  watch = null;
}

async function watchAlert() {
  stopWatch();
  if (!shown) return;
  watch = { id: shown, deliveries: new Map(), escalatedKey: '' };
  $('alert-id').textContent = shown;
  for (const id of ['alert-headline', 'alert-state', 'alert-targets', 'alert-coverage', 'alert-counts']) $(id).textContent = '';
  $('region-rows').replaceChildren();
  $('villages').replaceChildren();
  await loadStatus();
  const mp = await mapOf('a-map');
  if (mp) {
    clearDots(mp);
    mp.shapes.clearLayers();
    mp.fitted = false;
    mp.map.invalidateSize();
  }
  await loadFleet();
  legend();
  const cap = await fetch(`/api/v1/alerts/${shown}/cap`, { credentials: 'same-origin' });
  if (cap.ok && watch) {
    const parsed = parseCap(await cap.text());
    watch.cap = parsed;
    $('alert-headline').textContent = parsed ? parsed.zh.headline || parsed.en.headline : '';
    if (mp && parsed) drawShapes(mp, parsed.polygons, parsed.circles);
  }
  if (!watch) return;
  if (typeof EventSource === 'undefined') { startPolling(); return; }
  const id = shown;
  stream = new EventSource(`/api/v1/alerts/${id}/events`);
  stream.addEventListener('open', () => { $('live').textContent = t('live-on'); $('live').className = 'live on'; });
  stream.addEventListener('report', (e) => { if (watch && watch.id === id) showReport(JSON.parse(e.data)); });
  stream.addEventListener('deliveries', (e) => { if (watch && watch.id === id) showDeliveries(JSON.parse(e.data)); });
  stream.addEventListener('state', () => { if (watch && watch.id === id) loadStatus(); });
  stream.addEventListener('error', () => {
    // the browser tries again by itself (retry: 3000); a refusal (401, 403, 429) closes the stream
    if (stream && stream.readyState === EventSource.CLOSED) startPolling();
    $('live').textContent = t('live-off');
    $('live').className = 'live off';
  });
}

function startPolling() {
  if (stream) stream.close();
  stream = null;
  if (polling || !watch) return;
  $('live').textContent = t('live-off');
  $('live').className = 'live off';
  const tick = async () => {
    if (!watch || document.hidden) return;
    const [rep, dl] = await Promise.all([call('GET', `/api/v1/alerts/${watch.id}/report`),
      call('GET', `/api/v1/alerts/${watch.id}/deliveries`)]);
    if (rep.status === 200) showReport(rep.json);
    if (dl.status === 200) showDeliveries({ full: true, deliveries: dl.json.deliveries.map((d) => ({ receiver: d.target, state: d.state, region: d.region })) });
  };
  tick();
  polling = setInterval(tick, 5000);
}

// The alert's state, the channels' counts and the villages escalated to people (GET /alerts/{id})
async function loadStatus() {
  if (!watch) return;
  const st = await call('GET', `/api/v1/alerts/${watch.id}`);
  if (st.status !== 200) { $('app-error').textContent = why(st); return; }
  const a = st.json;
  watch.status = a;
  $('alert-state').textContent = a.state;
  $('alert-state').className = `state-${a.state}`;
  const live = !ended.has(a.state) && a.state !== 'pending-approval' && a.msgType !== 'Cancel';
  $('alert-update').hidden = !may('submit') || !live;
  $('alert-cancel').hidden = !may('submit') || !live;
  const counts = (a.channels && a.channels.mqtt && a.channels.mqtt.counts) || {};
  $('alert-counts').textContent = Object.entries(counts).filter(([, n]) => n > 0)
    .map(([s, n]) => `${stateWord(s)} ${n}`).join(' · ');
  const villages = $('villages');
  villages.replaceChildren();
  for (const v of a.escalated || []) {
    const officers = v.officers || [];
    const tr = node('tr');
    tr.dataset.region = v.region;
    cell(tr, v.region);
    cell(tr, (v.receivers || []).join(' '));
    cell(tr, officers.map((o) => `${o.name || ''} ${o.phone || ''}`.trim()).join('; '));
    cell(tr, officers.map((o) => o.state + (o.reply ? ` “${o.reply}”` : '')).join('; '));
    cell(tr, v.confirmed ? t('yes') : t('no')).className = v.confirmed ? 'holds' : '';
    villages.append(tr);
  }
  showRelay(a.relay);
}

// The relay (叫应) per town and village: each chain's people in turn, who confirmed and when, whose
// turn it is, where it ran out. Phones come masked from tocsind for roles without read-contacts.
const personOf = (p) => [p.role, p.name, p.phone].filter(Boolean).join(' ');
const clock = (s) => (s ? new Date(s * 1000).toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-GB') : '');

function relayTurn(c) {
  const steps = c.steps || [];
  const yes = steps.find((p) => p.confirmed);
  if (c.state === 'confirmed' && yes) return fill(t('confirmed-by'), { who: personOf(yes), at: clock(yes.confirmed_at) });
  const told = steps.filter((p) => p.told_at);
  const lastTold = told[told.length - 1];
  if (c.state === 'ran-out') return fill(t('ran-out-at'), { n: lastTold ? lastTold.position : steps.length });
  return lastTold ? fill(t('turn-of'), { n: lastTold.position, who: personOf(lastTold) }) : '';
}

function showRelay(chains) {
  const list = chains || [];
  $('relay-box').hidden = !list.length;
  const rows = $('relay-rows');
  rows.replaceChildren();
  for (const c of list) {
    const tr = node('tr');
    tr.dataset.region = c.region;
    tr.dataset.state = c.state;
    cell(tr, c.region);
    cell(tr, t(`level-${c.level}`));
    cell(tr, t(c.state)).className = c.state === 'confirmed' ? 'holds' : c.state === 'ran-out' ? 'error' : '';
    const steps = cell(tr, '');
    for (const p of c.steps || []) {
      const what = p.confirmed ? `✓ ${clock(p.confirmed_at)}${p.reply ? ` “${p.reply}”` : ''}`
        : p.told_at ? `${t('told')} ${clock(p.told_at)}` : t('not-told');
      steps.append(node('div', `${p.position}. ${personOf(p)} — ${what}`, p.confirmed ? 'holds step' : 'step'));
    }
    cell(tr, relayTurn(c)).className = 'turn';
    rows.append(tr);
  }
}

function showReport(r) {
  $('alert-targets').textContent = String(r.targets);
  $('alert-coverage').textContent = `${r.coverage} %`;
  // escalations and officers' replies change the status; ask for it when the people's figures move
  if (r.relay) showRelay(r.relay);
  const key = JSON.stringify(r.people || {});
  if (watch && key !== watch.escalatedKey) {
    watch.escalatedKey = key;
    loadStatus();
  }
}

// Deliveries: all of them once, then only the ones that changed; coverage per town from them
function showDeliveries(ev) {
  if (!watch) return;
  if (ev.full) watch.deliveries.clear();
  for (const d of ev.deliveries) watch.deliveries.set(d.receiver, d);
  const towns = new Map();
  for (const d of watch.deliveries.values()) {
    const town = (d.region || '').slice(0, 9) || '—';
    const c = towns.get(town) || { targets: 0, covered: 0 };
    c.targets++;
    if (d.state === 'played' || d.state === 'displayed') c.covered++;
    towns.set(town, c);
  }
  const rows = $('region-rows');
  rows.replaceChildren();
  for (const [town, c] of [...towns.entries()].sort()) {
    const tr = node('tr');
    tr.dataset.town = town;
    for (const v of [town, c.targets, c.covered, `${Math.round(1000 * c.covered / c.targets) / 10} %`]) cell(tr, v);
    rows.append(tr);
  }
  drawDeliveries();
}

async function drawDeliveries() {
  const mp = maps['a-map'];
  if (!mp || !watch || !fleet) return;
  const list = [...watch.deliveries.values()].map((d) => fleet.byId.get(d.receiver)).filter(Boolean);
  const state = (r) => watch.deliveries.get(r.id).state;
  showDots(mp, list, (r) => ({ radius: 6, fillOpacity: 0.9, fillColor: stateColours[state(r)] || stateColours.other }),
    (r) => `${r.id} ${r.name}: ${stateWord(state(r))}`);
  if (!mp.fitted) fitOnce(mp, list.map((r) => [r.lat, r.lon]));
}

function legend() {
  const ul = $('a-legend');
  ul.replaceChildren();
  for (const s of ['sent', 'received', 'played', 'failed', 'escalated', 'cancelled']) {
    const li = node('li', stateWord(s));
    li.classList.add(`dot-${s}`);
    ul.append(li);
  }
}

$('alert-update').addEventListener('click', () => {
  if (!watch || !watch.cap) return;
  composeFrom(watch.cap, 'Update');
});
$('alert-cancel').addEventListener('click', () => {
  if (!watch || !watch.cap) return;
  composeFrom(watch.cap, 'Cancel');
});

// --- drills: the schedules (the configuration's and the API's), adding and removing, the runs and
// a run's report ---------------------------------------------------------------------------------------

// Whether this user may add or remove a schedule of this mode (tocsind decides; this hides buttons)
const mayDrill = (mode) => may('submit') && (mode !== 'audible' || may('approve'));

function drillSpec() {
  const every = $('d-every').value;
  const day = every === 'weekly' ? $('d-day').value : every === 'monthly' ? `${$('d-nth').value}-${$('d-day').value}` : '';
  return [every, day, $('d-time').value, $('d-mode').value, $('d-region').value.trim() || '*'].filter(Boolean).join(' ');
}

function drillFormChanged() {
  const every = $('d-every').value;
  $('d-nth-box').hidden = every !== 'monthly';
  $('d-day-box').hidden = every === 'daily';
  $('d-spec').textContent = drillSpec();
}

async function loadDrills() {
  const [sch, runs] = await Promise.all([call('GET', '/api/v1/drills'), call('GET', '/api/v1/drills/runs?limit=50')]);
  if (sch.status !== 200) { $('app-error').textContent = why(sch); return; }
  $('drill-target').textContent = `${sch.json.target_s} s`;
  $('drill-add').hidden = !may('submit');
  $('d-mode').querySelector('option[value="audible"]').disabled = !may('approve');
  drillFormChanged();
  const rows = $('drill-rows');
  rows.replaceChildren();
  for (const d of sch.json.drills) {
    const tr = node('tr');
    tr.dataset.id = d.id;
    // slots in Beijing time as tocsind writes them: the schedules' own clock, wherever the browser is
    const last = d.last_run ? `${d.last_run.slot_time} (#${d.last_run.id})` : t('never');
    for (const v of [d.id, t(`src-${d.source}`), d.schedule, d.next_slot_time, last, d.created_by || '']) cell(tr, v);
    const act = cell(tr, '');
    if (d.source === 'api' && mayDrill(d.mode)) {
      const b = node('button', t('remove'), 'remove');
      b.type = 'button';
      b.addEventListener('click', () => removeDrill(d.id));
      act.append(b);
    }
    rows.append(tr);
  }
  const runRows = $('drill-run-rows');
  runRows.replaceChildren();
  for (const r of (runs.status === 200 && runs.json.runs) || []) {
    const tr = node('tr');
    tr.dataset.run = r.id;
    for (const v of [r.id, r.slot_time, r.schedule, t(r.mode), r.alert_id]) cell(tr, v);
    const b = node('button', t('report-of'), 'open-report');
    b.type = 'button';
    b.addEventListener('click', () => showDrillReport(r.id));
    cell(tr, '').append(b);
    runRows.append(tr);
  }
}

async function removeDrill(id) {
  const res = await call('DELETE', `/api/v1/drills/${encodeURIComponent(id)}`);
  $('drill-error').textContent = res.status === 200 ? '' : why(res);
  loadDrills();
}

function groupRow(name, g) {
  const tr = node('tr');
  for (const v of [name, g.targets, g.answered, g.failed, g.median_s ?? '—', g.worst_s ?? '—', g.within_target]) cell(tr, v);
  return tr;
}

async function showDrillReport(run) {
  const res = await call('GET', `/api/v1/drills/runs/${run}/report`);
  if (res.status !== 200) { $('app-error').textContent = why(res); return; }
  const r = res.json;
  $('drill-report').hidden = false;
  $('dr-run').textContent = `#${run} ${r.run.schedule} · ${r.run.slot_time}`;
  $('dr-csv').href = `/api/v1/drills/runs/${run}/report?format=csv`;
  $('dr-summary').textContent = fill(t('drill-summary'), { targets: r.targets, answered: r.answered,
    rate: Math.round(1000 * r.answer_rate) / 10, failed: r.failed, within: r.within_target, target: r.target_s });
  const groups = $('dr-groups');
  groups.replaceChildren(groupRow(t('all-towns'), r));
  for (const g of r.towns) groups.append(groupRow(g.town, g));
  for (const g of r.villages) {
    const tr = groupRow(`· ${g.village}`, g);
    tr.className = 'village';
    groups.append(tr);
  }
  const failures = $('dr-failures');
  failures.replaceChildren();
  for (const f of r.failures) {
    const tr = node('tr');
    tr.dataset.receiver = f.receiver;
    for (const v of [f.receiver, f.village, t(`v-${f.state}`), f.reason]) cell(tr, v);
    failures.append(tr);
  }
  const trend = $('dr-trend');
  trend.replaceChildren();
  for (const p of r.trend) {
    const tr = node('tr');
    for (const v of [p.run, when(p.slot), `${Math.round(1000 * p.answer_rate) / 10} %`, p.median_s ?? '—', p.failures]) cell(tr, v);
    trend.append(tr);
  }
}

for (const id of ['d-every', 'd-nth', 'd-day', 'd-time', 'd-mode', 'd-region']) {
  $(id).addEventListener('input', drillFormChanged);
  $(id).addEventListener('change', drillFormChanged);
}
$('drill-add').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const res = await call('POST', '/api/v1/drills', { schedule: drillSpec() });
  $('drill-error').textContent = res.status === 201 ? fill(t('drill-added'), { id: res.json.id }) : why(res);
  $('drill-error').className = res.status === 201 ? 'holds' : 'error';
  loadDrills();
});

// --- audit: the trail, searchable, with the chain's verdict ----------------------------------------

let auditRows = [];

async function loadAudit() {
  const first = await call('GET', '/api/v1/audit?limit=1');
  if (first.status !== 200) { $('app-error').textContent = why(first); return; }
  const total = first.json.chain.rows;
  const rows = [];
  let chain = first.json.chain;
  for (let after = Math.max(0, total - 2000); after < total;) {
    const res = await call('GET', `/api/v1/audit?after=${after}&limit=500`);
    if (res.status !== 200) { $('app-error').textContent = why(res); return; }
    chain = res.json.chain;
    if (!res.json.rows.length) break;
    rows.push(...res.json.rows);
    after = res.json.rows[res.json.rows.length - 1].id;
  }
  $('chain').textContent = chain.holds ? `${t('chain-holds')}: ${chain.rows} ${t('rows')}, ${chain.head}`
    : `${t('chain-broken').replace('{row}', chain.first_bad_row)}: ${chain.why}`;
  $('chain').className = chain.holds ? 'holds' : 'error';
  auditRows = rows.reverse();
  auditRows.total = total;
  const select = $('audit-action'), chosen = select.value;
  const actions = [...new Set(auditRows.map((r) => r.action))].sort();
  select.replaceChildren(new Option(t('any'), ''), ...actions.map((a) => new Option(a, a)));
  select.value = actions.includes(chosen) ? chosen : '';
  showAudit();
}

function showAudit() {
  const q = $('audit-search').value.trim().toLowerCase(), action = $('audit-action').value;
  const list = auditRows.filter((r) => (!action || r.action === action) &&
    (!q || [r.username, r.actor, r.role, r.action, r.object, r.alert_id, r.detail, r.source, String(r.id)]
      .some((v) => v && String(v).toLowerCase().includes(q))));
  const rows = $('audit-rows');
  rows.replaceChildren();
  for (const r of list.slice(0, 500)) {
    const tr = node('tr');
    const who = r.username ? `${r.username} (${r.role})` : r.actor;
    for (const v of [r.id, when(r.at), who, r.action, [r.alert_id, r.object].filter(Boolean).join(' · '), r.detail, r.source]) cell(tr, v || '');
    rows.append(tr);
  }
  $('audit-count').textContent = fill(t('audit-count'), { n: Math.min(list.length, 500), total: auditRows.total });
}
$('audit-search').addEventListener('input', showAudit);
$('audit-action').addEventListener('change', showAudit);

// --- composing: standard templates per GB/T 35561 event and colour, CAP 1.2 made here ---------------

const fallbackEvents = [
  ['typhoon', '11B01', '台风', 'Typhoon'], ['rainstorm', '11B03', '暴雨', 'Rainstorm'],
  ['storm-surge', '11E02', '风暴潮', 'Storm surge'], ['lightning', '11B14', '雷电', 'Lightning'],
  ['gale', '11B06', '大风', 'Gale'], ['heat', '11B09', '高温', 'Heat'], ['cold-wave', '11B05', '寒潮', 'Cold wave'],
  ['fog', '11B17', '大雾', 'Fog'], ['hail', '11B15', '冰雹', 'Hail'],
];
// [key, GB/T 35561 code, zh, en], from templates.js when it is there
const events = typeof templates === 'object'
  ? Object.entries(templates).map(([k, v]) => [k, v.code, v.zh.event, v.en.event]) : fallbackEvents;
// colour → CAP severity, as the cn profile reads it (蓝 Minor, 黄 Moderate, 橙 Severe, 红 Extreme)
const colours = [['blue', '蓝色', 'Blue', 'Minor'], ['yellow', '黄色', 'Yellow', 'Moderate'],
  ['orange', '橙色', 'Orange', 'Severe'], ['red', '红色', 'Red', 'Extreme']];

const draft = { msgType: 'Alert', references: '', polygons: [], circles: [], template: null };

function fillDraftChoices() {
  const ev = $('c-event'), co = $('c-colour');
  if (ev.options.length) return;
  for (const [key, , zh, en] of events) ev.add(new Option(`${zh} ${en}`, key));
  for (const [key, zh, en] of colours) co.add(new Option(`${zh} ${en}`, key));
  co.value = 'orange';
  applyTemplate(true);
}

const textFields = ['c-headline', 'c-description', 'c-instruction', 'c-headline-en', 'c-description-en', 'c-instruction-en'];

// The standard texts for the chosen event and colour; with onlyIfUntouched, not over the officer's own words
function applyTemplate(onlyIfUntouched) {
  const tpl = typeof templates === 'object' && templates[$('c-event').value];
  const colour = colours.find((c) => c[0] === $('c-colour').value);
  const level = tpl && tpl.levels && tpl.levels[colour[0]];
  const note = $('c-template-note');
  const names = { event: lang === 'zh' ? (tpl ? tpl.zh.event : '') : (tpl ? tpl.en.event : ''), colour: lang === 'zh' ? colour[1] : colour[2] };
  if (!level) { note.textContent = tpl ? fill(t('no-level'), names) : ''; return; }
  const current = textFields.map((f) => $(f).value);
  const untouched = current.every((v, i) => !v || (draft.template && v === draft.template[i]));
  if (onlyIfUntouched && !untouched) { note.textContent = t('template-kept'); return; }
  const put = (s) => (s || '').replaceAll('{area}', officeName()).replaceAll('{hours}', String(level.hours || ''));
  const values = [level.zh.headline, level.zh.description, level.zh.instruction,
    level.en.headline, level.en.description, level.en.instruction].map(put);
  textFields.forEach((f, i) => { $(f).value = values[i]; });
  draft.template = values;
  note.textContent = fill(t('template-used'), names) + (level.official === false ? t('unofficial') : '');
}

// The office's place name for the headline ({area}气象台), kept in this browser
function officeName() {
  return $('c-office').value.trim();
}
$('c-office').value = localStorage.getItem('tocsin-office') || '';
$('c-office').addEventListener('change', () => {
  localStorage.setItem('tocsin-office', $('c-office').value.trim());
  if (draft.template) applyTemplate(true);
});

// The template's …… marks where the forecaster must add the specifics: never sent unfilled
const unfilled = () => textFields.some((f) => $(f).value.includes('…'));

// Beijing time as CAP wants it, and as the identifier's 14 digits
function beijing(date) {
  const b = new Date(date.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 19);
  return { cap: `${b}+08:00`, digits: b.replace(/[-T:]/g, '') };
}

const areaCodes = () => $('c-areas').value.split(/[\s,，、]+/).filter(Boolean);

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
  const [, code, zhEvent, enEvent] = events.find((e) => e[0] === $('c-event').value);
  const colour = colours.find((c) => c[0] === $('c-colour').value);
  const cancel = draft.msgType === 'Cancel';
  const root = doc.documentElement;
  el(root, 'identifier', `${sender}_${now.digits}_0`);
  el(root, 'sender', sender);
  el(root, 'sent', now.cap);
  el(root, 'status', 'Actual');
  el(root, 'msgType', draft.msgType);
  el(root, 'scope', 'Public');
  if (draft.references) el(root, 'references', draft.references);
  const blocks = [['zh-CN', zhEvent, '']];
  if ($('c-english').checked) blocks.push(['en-US', enEvent, '-en']);
  for (const [language, event, suffix] of blocks) {
    const info = el(root, 'info');
    el(info, 'language', language);
    el(info, 'category', 'Met');
    el(info, 'event', event);
    if (cancel) el(info, 'responseType', 'AllClear');
    el(info, 'urgency', cancel ? 'Past' : 'Expected');
    el(info, 'severity', colour[3]);
    el(info, 'certainty', cancel ? 'Observed' : 'Likely');
    const ec = el(info, 'eventCode');
    el(ec, 'valueName', 'GB/T 35561');
    el(ec, 'value', code);
    el(info, 'effective', now.cap);
    el(info, 'expires', until.cap);
    const tpl = typeof templates === 'object' && templates[$('c-event').value];
    if (officeName()) {
      el(info, 'senderName', language === 'zh-CN' ? officeName() + (tpl ? tpl.zh.unit : '')
        : `${officeName()} ${tpl ? tpl.en.unit : ''}`.trim());
    }
    const headline = $(`c-headline${suffix}`).value ||
      (language === 'zh-CN' ? `${zhEvent}${colour[1]}预警` : `${colour[2]} ${enEvent} warning`);
    el(info, 'headline', headline);
    if ($(`c-description${suffix}`).value) el(info, 'description', $(`c-description${suffix}`).value);
    if ($(`c-instruction${suffix}`).value) el(info, 'instruction', $(`c-instruction${suffix}`).value);
    const par = el(info, 'parameter');
    el(par, 'valueName', 'COLOUR');
    el(par, 'value', colour[1]);
    const area = el(info, 'area');
    el(area, 'areaDesc', $('c-area-desc').value || officeName() || $('c-areas').value || shapesText());
    for (const p of draft.polygons) el(area, 'polygon', p.concat([p[0]]).map(([la, lo]) => `${la.toFixed(4)},${lo.toFixed(4)}`).join(' '));
    for (const c of draft.circles) el(area, 'circle', `${c.lat.toFixed(4)},${c.lon.toFixed(4)} ${c.km.toFixed(2)}`);
    for (const c of areaCodes()) {
      const g = el(area, 'geocode');
      el(g, 'valueName', 'ADCODE');
      el(g, 'value', c);
    }
  }
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(doc);
}

async function postXml(path, xml) {
  let r;
  try {
    r = await fetch(path, {
      method: 'POST', credentials: 'same-origin', body: xml === undefined ? draftXml() : xml,
      headers: { 'Content-Type': 'application/cap+xml', 'X-CSRF-Token': sessionStorage.getItem('tocsin-csrf') || '' },
    });
  } catch (e) {
    return { status: 0, json: null };
  }
  let json = null;
  try { json = await r.json(); } catch (e) { json = null; }
  return { status: r.status, json };
}

// An existing alert as the console's fields: {msgType, sender, identifier, sent, zh, en, codes, polygons, circles, ...}
function parseCap(text) {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) return null;
  const first = (parent, name) => {
    const e = parent.getElementsByTagNameNS('*', name)[0];
    return e ? e.textContent.trim() : '';
  };
  const out = { sender: first(doc, 'sender'), identifier: first(doc, 'identifier'), sent: first(doc, 'sent'),
    msgType: first(doc, 'msgType'), zh: {}, en: {}, codes: [], polygons: [], circles: [], areaDesc: '', code: '', colour: '' };
  for (const info of doc.getElementsByTagNameNS('*', 'info')) {
    const l = first(info, 'language').toLowerCase().startsWith('en') ? out.en : out.zh;
    for (const f of ['headline', 'description', 'instruction', 'expires']) l[f] = first(info, f);
    out.code = out.code || first(info.getElementsByTagNameNS('*', 'eventCode')[0] || info, 'value');
    for (const p of info.getElementsByTagNameNS('*', 'parameter')) {
      if (first(p, 'valueName') === 'COLOUR') out.colour = out.colour || first(p, 'value');
    }
    if (l !== out.zh && out.zh.headline !== undefined) continue; // the area once, from the first block
    for (const area of info.getElementsByTagNameNS('*', 'area')) {
      out.areaDesc = out.areaDesc || first(area, 'areaDesc');
      for (const g of area.getElementsByTagNameNS('*', 'geocode')) out.codes.push(first(g, 'value'));
      for (const p of area.getElementsByTagNameNS('*', 'polygon')) {
        const pts = p.textContent.trim().split(/\s+/).map((s) => s.split(',').map(Number));
        if (pts.length > 3) out.polygons.push(pts.slice(0, -1));
      }
      for (const c of area.getElementsByTagNameNS('*', 'circle')) {
        const [centre, km] = c.textContent.trim().split(/\s+/);
        const [lat, lon] = centre.split(',').map(Number);
        out.circles.push({ lat, lon, km: Number(km) });
      }
    }
  }
  out.codes = [...new Set(out.codes)];
  return out;
}

// Compose an Update or a Cancel of an alert in force: its texts, area and references
function composeFrom(cap, msgType) {
  draft.msgType = msgType;
  draft.references = `${cap.sender},${cap.identifier},${cap.sent}`;
  draft.polygons = cap.polygons.map((p) => p.slice());
  draft.circles = cap.circles.map((c) => ({ ...c }));
  show('compose');
  const ev = events.find((e) => e[1] === cap.code);
  if (ev) $('c-event').value = ev[0];
  const colour = colours.find((c) => c[1] === cap.colour);
  if (colour) $('c-colour').value = colour[0];
  $('c-areas').value = cap.codes.join(', ');
  $('c-area-desc').value = cap.areaDesc;
  $('c-english').checked = !!cap.en.headline;
  $('c-en').hidden = !cap.en.headline;
  const zhEvent = ev ? ev[2] : '', enEvent = ev ? ev[3] : '';
  const lifted = msgType === 'Cancel';
  const office = officeName() || cap.areaDesc;
  $('c-headline').value = lifted ? `${office}气象台解除${zhEvent}${colour ? colour[1] : ''}预警信号` : cap.zh.headline || '';
  $('c-description').value = lifted ? '' : cap.zh.description || '';
  $('c-instruction').value = lifted ? '' : cap.zh.instruction || '';
  $('c-headline-en').value = lifted ? `${office}: the ${colour ? colour[2].toLowerCase() : ''} ${enEvent.toLowerCase()} warning is lifted` : cap.en.headline || '';
  $('c-description-en').value = lifted ? '' : cap.en.description || '';
  $('c-instruction-en').value = lifted ? '' : cap.en.instruction || '';
  draft.template = null;
  showDraftKind();
  showShapes();
  syncTree();
  checkDraft();
}

function showDraftKind() {
  const k = draft.msgType;
  $('c-kind').textContent = k === 'Update' ? `(${t('cap-update')})` : k === 'Cancel' ? `(${t('cap-cancel')})` : '';
  $('c-refers').hidden = !draft.references;
  $('c-refers-id').textContent = draft.references;
}
$('c-new').addEventListener('click', () => {
  draft.msgType = 'Alert';
  draft.references = '';
  showDraftKind();
  checkDraft();
});

async function openCompose() {
  fillDraftChoices();
  showDraftKind();
  const mp = await mapOf('c-map');
  const f = await loadFleet();
  if (f) buildTree(f);
  if (mp) {
    mp.map.invalidateSize();
    drawComposeMap();
  }
  checkDraft();
}

// Errors next to the field they are about; what the check says about the rest at the bottom
function fieldOf(e) {
  const s = `${e.path || ''} ${e.code || ''}`;
  if (/headline/.test(s)) return 'headline';
  if (/description/.test(s)) return 'description';
  if (/instruction/.test(s)) return 'instruction';
  if (/area|geocode|polygon|circle|region/.test(s)) return 'areas';
  if (/expires|effective|onset/.test(s)) return 'expires';
  return 'other';
}

let checking = null, lastCheck = null;
async function checkDraft() {
  if (!me || !$('c-event').options.length) return;
  const res = await postXml('/api/v1/alerts/check');
  const errors = $('check-errors');
  errors.replaceChildren();
  for (const p of document.querySelectorAll('.field-error')) p.textContent = '';
  $('check-towns').replaceChildren();
  $('check-kinds').textContent = '';
  lastCheck = null;
  if (!res.json) { $('check-summary').textContent = why(res); $('check-summary').className = 'error'; drawComposeMap(); return; }
  const ok = res.json.valid === true;
  $('check-summary').textContent = ok
    ? `${t('valid')} · ${fill(t('would-reach'), { n: res.json.targets })}${res.json.held ? ' · ' + t('would-hold') : ''}`
    : t('invalid');
  $('check-summary').className = ok ? 'holds' : 'error';
  for (const e of res.json.errors || []) {
    const li = node('li', `${e.path}: ${e.message}`);
    li.dataset.code = e.code;
    errors.append(li);
    const at = document.querySelector(`.field-error[data-field="${fieldOf(e)}"]`);
    at.textContent = (at.textContent ? at.textContent + '；' : '') + e.message;
  }
  if (ok) {
    lastCheck = res.json;
    showTargets(res.json);
  }
  document.querySelector('.field-error[data-field="unfilled"]').textContent = unfilled() ? t('unfilled') : '';
  drawComposeMap();
}

// What the alert would reach: per town its villages and receivers, loudspeakers and displays
function showTargets(r) {
  const towns = new Map();
  for (const g of r.regions || []) {
    const town = g.region.slice(0, 9);
    const c = towns.get(town) || { villages: 0, receivers: 0 };
    c.villages++;
    c.receivers += g.receivers;
    towns.set(town, c);
  }
  const rows = $('check-towns');
  for (const [town, c] of [...towns.entries()].sort()) {
    const tr = node('tr');
    tr.dataset.town = town;
    for (const v of [town, c.villages, c.receivers]) cell(tr, v);
    rows.append(tr);
  }
  if (fleet && Array.isArray(r.receivers)) {
    let speakers = 0, displays = 0;
    for (const id of r.receivers) {
      const rx = fleet.byId.get(id);
      if (rx && rx.kind === 'signage') displays++;
      else speakers++;
    }
    $('check-kinds').textContent = `${t('loudspeakers')} ${speakers} · ${t('signage')} ${displays}`;
  }
}

function drawShapes(mp, polygons, circles) {
  mp.shapes.clearLayers();
  for (const p of polygons) L.polygon(p, { color: '#d84315', weight: 2, fillOpacity: 0.08 }).addTo(mp.shapes);
  for (const c of circles) L.circle([c.lat, c.lon], { radius: c.km * 1000, color: '#d84315', weight: 2, fillOpacity: 0.08 }).addTo(mp.shapes);
}

// The compose map: the registry in grey, the receivers the draft would reach in red, its shapes
function drawComposeMap() {
  const mp = maps['c-map'];
  if (!mp || !fleet) return;
  const reached = new Set((lastCheck && lastCheck.receivers) || []);
  showDots(mp, fleet.receivers, (r) => (reached.has(r.id)
    ? { radius: 6, fillOpacity: 0.95, fillColor: stateColours.target }
    : { radius: 4, fillOpacity: 0.5, fillColor: stateColours.other }), (r) => `${r.id} ${r.name} (${r.region})`);
  drawShapes(mp, draft.polygons, draft.circles);
  if (drawing && drawing.points.length) {
    L.polyline(drawing.points, { color: '#6a1b9a', dashArray: '4 4' }).addTo(mp.shapes);
  }
  if (!mp.fitted) fitOnce(mp, fleet.receivers.map((r) => [r.lat, r.lon]));
}

// Drawing on the map: a polygon by its corners, a circle by its centre and a point on its edge
let drawing = null; // {kind, points}

function startDrawing(kind) {
  const mp = maps['c-map'];
  if (!mp) return;
  drawing = { kind, points: [] };
  $('draw-done').hidden = kind !== 'polygon';
  $('c-shapes').textContent = t(kind === 'polygon' ? 'click-vertices' : 'click-centre');
  mp.map.getContainer().classList.add('drawing');
}

function stopDrawing() {
  drawing = null;
  $('draw-done').hidden = true;
  const mp = maps['c-map'];
  if (mp) mp.map.getContainer().classList.remove('drawing');
  showShapes();
  drawComposeMap();
  checkDraft();
}

function shapesText() {
  const parts = draft.polygons.map((p) => `${t('polygon')} (${p.length})`)
    .concat(draft.circles.map((c) => `${t('circle')} ${c.km.toFixed(1)} km`));
  return parts.join(', ');
}
function showShapes() { $('c-shapes').textContent = shapesText() || t('no-shape'); }

$('draw-polygon').addEventListener('click', () => startDrawing('polygon'));
$('draw-circle').addEventListener('click', () => startDrawing('circle'));
$('draw-done').addEventListener('click', () => {
  if (drawing && drawing.kind === 'polygon' && drawing.points.length >= 3) draft.polygons.push(drawing.points);
  stopDrawing();
});
$('draw-clear').addEventListener('click', () => {
  draft.polygons = [];
  draft.circles = [];
  drawing = null;
  stopDrawing();
});

function mapClicked(e) {
  if (!drawing) return;
  const p = [e.latlng.lat, e.latlng.lng];
  if (drawing.kind === 'polygon') {
    drawing.points.push(p);
    drawComposeMap();
    return;
  }
  if (!drawing.points.length) { drawing.points.push(p); drawComposeMap(); return; }
  const km = maps['c-map'].map.distance(drawing.points[0], p) / 1000;
  draft.circles.push({ lat: drawing.points[0][0], lon: drawing.points[0][1], km: Math.max(0.1, km) });
  stopDrawing();
}

// The tree of the registry's region codes: county (6 digits) → town (9) → village (12)
let treeBuilt = null;

function buildTree(f) {
  if (treeBuilt === f) return;
  treeBuilt = f;
  const counties = new Map();
  for (const r of f.receivers) {
    const code = r.region || '';
    const county = code.slice(0, 6), town = code.length >= 9 ? code.slice(0, 9) : null;
    if (!counties.has(county)) counties.set(county, { n: 0, towns: new Map() });
    const c = counties.get(county);
    c.n++;
    if (!town) continue;
    if (!c.towns.has(town)) c.towns.set(town, { n: 0, villages: new Map() });
    const tw = c.towns.get(town);
    tw.n++;
    if (code.length > 9) {
      const v = tw.villages.get(code) || { n: 0, name: r.name };
      v.n++;
      tw.villages.set(code, v);
    }
  }
  const item = (code, label, n) => {
    const li = node('li');
    const lab = node('label');
    const box = node('input');
    box.type = 'checkbox';
    box.value = code;
    box.addEventListener('change', treeChanged);
    lab.append(box, ` ${code} ${label} (${n})`);
    li.append(lab);
    return li;
  };
  const root = $('tree');
  root.replaceChildren();
  for (const [county, c] of [...counties.entries()].sort()) {
    const cl = item(county, '', c.n), tl = node('ul');
    for (const [town, tw] of [...c.towns.entries()].sort()) {
      const li = item(town, '', tw.n), vl = node('ul');
      for (const [village, v] of [...tw.villages.entries()].sort()) vl.append(item(village, v.name, v.n));
      li.append(vl);
      tl.append(li);
    }
    cl.append(tl);
    root.append(cl);
  }
  syncTree();
}

// Ticking a place puts its code in the area (and takes out the codes inside it)
function treeChanged(ev) {
  const box = ev.target;
  let codes = areaCodes().filter((c) => !(c.startsWith(box.value) && c !== box.value));
  if (box.checked && !codes.some((c) => box.value.startsWith(c))) codes.push(box.value);
  if (!box.checked) codes = codes.filter((c) => c !== box.value);
  $('c-areas').value = codes.join(', ');
  syncTree();
  clearTimeout(checking);
  checking = setTimeout(checkDraft, 100);
}

function syncTree() {
  const codes = areaCodes();
  for (const box of document.querySelectorAll('#tree input')) {
    const inside = codes.some((c) => box.value.startsWith(c) && c !== box.value);
    box.checked = codes.includes(box.value) || inside;
    box.disabled = inside;
  }
}

$('draft').addEventListener('input', (ev) => {
  if (ev.target.id === 'c-areas') syncTree();
  clearTimeout(checking);
  checking = setTimeout(checkDraft, 500);
});
$('draft').addEventListener('change', (ev) => {
  if (ev.target.id === 'c-event' || ev.target.id === 'c-colour') applyTemplate(true);
  if (ev.target.id === 'c-english') $('c-en').hidden = !$('c-english').checked;
  clearTimeout(checking);
  checking = setTimeout(checkDraft, 100);
});
$('c-template').addEventListener('click', () => { applyTemplate(false); checkDraft(); });
$('draft').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (unfilled()) { $('submitted').textContent = t('unfilled'); $('submitted').className = 'error'; return; }
  const res = await postXml('/api/v1/alerts');
  if (res.status >= 300 || res.status === 0) { $('submitted').textContent = why(res); $('submitted').className = 'error'; return; }
  $('submitted').className = 'holds';
  $('submitted').textContent = fill(t('submitted-as'), { id: res.json.id, state: res.json.state });
  $('submitted').dataset.id = res.json.id;
});

// --- preview: the spoken script and its audio, the SMS with its segments, the shelter screen --------

$('c-preview').addEventListener('click', () => {
  $('preview').hidden = false;
  previewInto($('preview'), draftXml());
});

async function previewInto(box, xml) {
  let state = box.querySelector('.preview-state');
  if (!state) {
    state = node('p', null, 'preview-state');
    box.append(state);
  }
  const langs = box.querySelector('.preview-langs') || box.appendChild(node('div', null, 'preview-langs'));
  const screen = box.querySelector('.screen') || box.appendChild(node('div', null, 'screen'));
  langs.replaceChildren();
  screen.replaceChildren();
  state.textContent = t('rendering');
  state.className = 'preview-state';
  const res = await postXml('/api/v1/alerts/preview', xml);
  if (res.status !== 200) {
    state.textContent = res.json && res.json.errors ? res.json.errors.map((e) => e.message).join('；') : why(res);
    state.className = 'preview-state error';
    return;
  }
  state.textContent = '';
  for (const l of res.json.languages) {
    const div = node('div', null, 'preview-lang');
    div.dataset.lang = l.lang;
    div.append(node('h4', `${l.lang}`));
    div.append(node('p', t('script'), 'label'), node('pre', l.script, 'script'));
    const audio = node('audio');
    audio.controls = true;
    audio.preload = 'auto';
    audio.src = l.audio;
    div.append(node('p', `${t('audio')} (${(l.duration_ms / 1000).toFixed(1)} s)`, 'label'), audio);
    div.append(node('p', `${t('sms-text')}: ${fill(t('segments'), { n: l.sms.segments, enc: l.sms.encoding })}`, 'label sms-info'),
      node('pre', l.sms.text, 'sms'));
    langs.append(div);
  }
  for (const line of (res.json.display && res.json.display.lines) || []) screen.append(node('div', line.text || '\u00a0', `line style-${line.style}`));
}

// --- signing in and out, the language, refreshing ---------------------------------------------------

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
  fleet = null;
  health = null;
  treeBuilt = null;
  start();
});
$('lang').addEventListener('click', () => {
  lang = lang === 'zh' ? 'en' : 'zh';
  localStorage.setItem('tocsin-lang', lang);
  translate();
  showShapes();
  if (health) showHealth();
});
for (const b of document.querySelectorAll('nav button')) b.addEventListener('click', () => show(b.dataset.view));
// the lists again every 15 s while the page is in view (not the dashboard: it is live; not compose;
// not while an approver is writing a reason)
setInterval(() => {
  const typing = [...document.querySelectorAll('.reason')].some((i) => i.value || i === document.activeElement);
  const view = document.querySelector('.view:not([hidden])');
  if (me && !document.hidden && !typing && view && ['alerts', 'approvals'].includes(view.id)) show(view.id);
}, 15000);
// the maintenance list again every 30 s while the Receivers screen is in view (tocsind judges every
// receiver every 30 s); the map's dots are restyled, not made anew
setInterval(() => {
  if (me && !document.hidden && !$('fleet').hidden) loadHealth();
}, 30000);
window.addEventListener('load', () => {
  translate();
  showShapes();
  start().then(async () => {
    const mp = await mapOf('c-map');
    if (mp) mp.map.on('click', mapClicked);
  });
});
