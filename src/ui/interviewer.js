// chiso — the interviewer app. Forms of the interview surveys are rendered and checked here
// from the pack the server gave (the same rules as online: skip logic, required questions,
// the scale's values, "no opinion"), kept in IndexedDB as drafts, encrypted with AES-GCM once
// finished, and sent through the batch API when the interviewer taps "Gửi" or the network
// comes back. A sent form is deleted from the tablet; a refused one stays, marked for
// correction with the question named.
(function () {
  'use strict';
  const root = document.getElementById('phong-van');
  if (!root) return;
  const en = root.dataset.lang === 'en';
  const t = (vi, enText) => (en ? enText : vi);
  const $ = (id) => document.getElementById(id);
  const status = $('trang-thai');
  const say = (text) => { status.textContent = text; };

  // ---- IndexedDB: forms (by submission id) and meta (the pack, the key, counters) ----
  let dbp = null;
  function db() {
    if (!dbp) {
      dbp = new Promise((resolve, reject) => {
        const req = indexedDB.open('chiso-phong-van', 1);
        req.onupgradeneeded = () => {
          req.result.createObjectStore('forms', { keyPath: 'id' });
          req.result.createObjectStore('meta', { keyPath: 'k' });
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    }
    return dbp;
  }
  async function store(name, mode, work) {
    const d = await db();
    return new Promise((resolve, reject) => {
      const tx = d.transaction(name, mode);
      const req = work(tx.objectStore(name));
      tx.oncomplete = () => resolve(req ? req.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  }
  const getMeta = (k) => store('meta', 'readonly', (s) => s.get(k)).then((r) => (r ? r.v : undefined));
  const setMeta = (k, v) => store('meta', 'readwrite', (s) => s.put({ k, v }));
  const delMeta = (k) => store('meta', 'readwrite', (s) => s.delete(k));
  const allForms = () => store('forms', 'readonly', (s) => s.getAll());
  const putForm = (f) => store('forms', 'readwrite', (s) => s.put(f));
  const delForm = (id) => store('forms', 'readwrite', (s) => s.delete(id));

  // ---- The key: AES-256-GCM, given by the server, kept as a key the page cannot read ----
  async function importKey(hex) {
    const raw = new Uint8Array(hex.match(/../g).map((h) => parseInt(h, 16)));
    return crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
  }
  async function seal(key, id, body) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(id) },
      key, new TextEncoder().encode(JSON.stringify(body)));
    return { iv, data };
  }
  async function open(key, id, sealed) {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv, additionalData: new TextEncoder().encode(id) },
      key, sealed.data);
    return JSON.parse(new TextDecoder().decode(plain));
  }

  let pack = null;
  let key = null;
  let editing = null;

  // ---- The pack: fetched when signed in and online, kept for offline days ----
  async function refreshPack() {
    let r;
    try {
      r = await fetch('/phong-van/pack.json', { credentials: 'same-origin', redirect: 'manual', cache: 'no-store' });
    } catch (e) {
      return 'offline';
    }
    if (r.type === 'opaqueredirect' || r.status === 401 || r.status === 403) return 'signed-out';
    if (!r.ok) return 'offline';
    const fresh = await r.json();
    const owner = await getMeta('user');
    const forms = await allForms();
    if (owner && owner !== fresh.user && forms.length) return 'other-user';
    key = await importKey(fresh.key);
    delete fresh.key;
    pack = fresh;
    await setMeta('pack', fresh);
    await setMeta('key', key);
    await setMeta('user', fresh.user);
    return 'ok';
  }

  const surveyOf = (id) => pack && pack.surveys.find((s) => s.id === id);
  const unitName = (code) => {
    const u = pack && pack.units.find((x) => x.code === code);
    return u ? u.name : code;
  };

  // ---- Skip logic and checks, as the server applies them ----
  function answerOf(body, code) {
    if (Object.prototype.hasOwnProperty.call(body.answers, code)) {
      const v = body.answers[code];
      return v === null ? 'null' : String(v);
    }
    return body.background[code];
  }
  const applies = (cond, body) => !cond || cond.in.includes(answerOf(body, cond.code));

  function check(survey, body) {
    if (survey.groups.length && !body.group) return { field: 'group', error: t('Chưa chọn nhóm người trả lời', 'No respondent group chosen') };
    for (const b of survey.background) {
      if (b.required && applies(b.show_if, body) && !body.background[b.code]) {
        return { field: 'background.' + b.code, error: t('Câu này phải trả lời', 'This question must be answered') };
      }
    }
    for (const it of survey.items) {
      const has = Object.prototype.hasOwnProperty.call(body.answers, it.code);
      if (!applies(it.show_if, body)) continue;
      if (it.required && !has) return { field: 'answers.' + it.code, error: t('Câu này phải trả lời', 'This question must be answered') };
      if (!has) continue;
      const v = body.answers[it.code];
      if (v === null ? !it.no_opinion : !it.values.some((x) => x.value === v)) {
        return { field: 'answers.' + it.code, error: t('Câu trả lời không có trong thang', 'The answer is not on the scale') };
      }
    }
    return null;
  }

  // ---- The questionnaire on screen ----
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined && v !== false) e.setAttribute(k, v === true ? '' : v);
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
  }
  function choices(name, legend, options, chosen, fieldName) {
    const fs = el('fieldset', { 'data-field': fieldName, id: 'q-' + fieldName.replace(/\./g, '-') }, el('legend', {}, legend));
    options.forEach(([value, label], i) => {
      const id = 'o-' + fieldName.replace(/\./g, '-') + '-' + i;
      fs.append(el('p', { class: 'choice' },
        el('input', { type: 'radio', id, name, value, checked: chosen === value }),
        ' ', el('label', { for: id }, label)));
    });
    return fs;
  }
  function renderForm(form, body) {
    const survey = surveyOf(form.survey);
    const f = $('phieu');
    f.textContent = '';
    f.append(el('p', { class: 'note' }, survey.title + ' — ' + unitName(form.unit)));
    if (form.fix) f.append(el('p', { class: 'error', role: 'alert' }, t('Máy chủ không nhận phiếu này: ', 'The server refused this form: ') + form.fix.field + ' — ' + form.fix.error));
    if (survey.groups.length) {
      f.append(choices('group', t('Nhóm người trả lời', 'Respondent group'), survey.groups.map((g) => [g.code, g.label]), body.group, 'group'));
    }
    for (const b of survey.background) {
      f.append(choices('bg:' + b.code, b.text, b.options.map((o) => [o.code, o.label]), body.background[b.code], 'background.' + b.code));
    }
    for (const it of survey.items) {
      const opts = it.values.map((v) => [String(v.value), v.label]);
      if (it.no_opinion) opts.push(['null', it.no_opinion]);
      const text = (en && it.text_en ? it.text_en : it.text) + (it.required ? ' *' : '');
      f.append(choices('it:' + it.code, it.code + '. ' + text, opts, answerOf(body, it.code), 'answers.' + it.code));
    }
    for (const o of survey.open) {
      const id = 'open-' + o.code;
      f.append(el('p', {}, el('label', { for: id }, o.text), el('br'),
        el('textarea', { id, name: 'open:' + o.code, maxlength: o.max_length, rows: 3 }, body.comments[o.code] || '')));
    }
    f.append(el('p', { id: 'loi-phieu', class: 'error', role: 'alert' }));
    f.append(el('p', { class: 'links row' },
      el('button', { type: 'button', id: 'luu-nhap' }, t('Lưu nháp', 'Save draft')),
      el('button', { type: 'submit', class: 'primary', id: 'xong' }, t('Xong phiếu', 'Finish the form'))));
    $('vung-phieu').hidden = false;
    showOnlyApplicable();
    $('phieu-h').focus();
  }
  function readForm(form) {
    const survey = surveyOf(form.survey);
    const body = { group: null, background: {}, answers: {}, comments: {} };
    const data = new FormData($('phieu'));
    for (const [name, value] of data.entries()) {
      if (name === 'group') body.group = value;
      else if (name.startsWith('bg:')) body.background[name.slice(3)] = value;
      else if (name.startsWith('it:')) body.answers[name.slice(3)] = value === 'null' ? null : Number(value);
      else if (name.startsWith('open:') && value.trim()) body.comments[name.slice(5)] = value;
    }
    // Questions skipped by the skip logic send nothing, as online.
    for (const b of survey.background) if (!applies(b.show_if, body)) delete body.background[b.code];
    for (const it of survey.items) if (!applies(it.show_if, body)) delete body.answers[it.code];
    return body;
  }
  function showOnlyApplicable() {
    if (!editing) return;
    const survey = surveyOf(editing.survey);
    const body = readForm(editing);
    const toggle = (q, field) => {
      const fs = document.querySelector('[data-field="' + field + '"]');
      if (fs) fs.hidden = !applies(q.show_if, body);
    };
    survey.background.forEach((b) => toggle(b, 'background.' + b.code));
    survey.items.forEach((it) => toggle(it, 'answers.' + it.code));
  }

  function envelope(form, body) {
    return {
      survey: form.survey, unit: form.unit, channel: 'api', submission_id: form.id,
      period: form.period, group: body.group || undefined, background: body.background,
      answers: body.answers, comments: body.comments,
    };
  }

  async function saveDraft() {
    const body = readForm(editing);
    editing.state = editing.state === 'fix' ? 'fix' : 'draft';
    editing.draft = body;
    delete editing.sealed;
    await putForm(editing);
    return body;
  }
  async function finish() {
    const body = readForm(editing);
    const survey = surveyOf(editing.survey);
    const wrong = check(survey, body);
    if (wrong) {
      $('loi-phieu').textContent = wrong.field + ': ' + wrong.error;
      const q = document.querySelector('[data-field="' + wrong.field + '"] input');
      if (q) q.focus();
      return;
    }
    if (!key) {
      $('loi-phieu').textContent = t('Chưa có khoá mã hoá: xin đăng nhập khi có mạng rồi bấm Xong lại. Phiếu được lưu nháp.',
        'No encryption key yet: sign in when online, then tap Finish again. The form is kept as a draft.');
      await saveDraft();
      return;
    }
    const done = { id: editing.id, survey: editing.survey, unit: editing.unit, period: editing.period,
      created: editing.created, state: 'finished', sealed: await seal(key, editing.id, envelope(editing, body)) };
    await putForm(done);
    closeForm();
    say(t('Đã lưu phiếu (đã mã hoá). Phiếu sẽ được gửi khi có mạng.', 'Form saved (encrypted). It will be sent when there is a network.'));
    await list();
  }
  function closeForm() {
    editing = null;
    $('phieu').textContent = '';
    $('vung-phieu').hidden = true;
  }

  async function edit(form) {
    let body = form.draft;
    if (!body && form.sealed) {
      const env = await open(key, form.id, form.sealed);
      body = { group: env.group || null, background: env.background || {}, answers: env.answers || {}, comments: env.comments || {} };
    }
    editing = form;
    renderForm(form, body || { group: null, background: {}, answers: {}, comments: {} });
  }

  // ---- The list of forms on the tablet ----
  const STATE = {
    draft: () => t('Nháp', 'Draft'),
    finished: () => t('Đã xong, chờ gửi', 'Finished, waiting to be sent'),
    fix: () => t('Cần sửa', 'To correct'),
  };
  async function list() {
    const forms = (await allForms()).sort((a, b) => a.created - b.created);
    const tbody = document.querySelector('#danh-sach tbody');
    tbody.textContent = '';
    forms.forEach((f, i) => {
      const survey = surveyOf(f.survey);
      const action = f.state === 'finished' ? '' : el('button', { type: 'button', 'data-id': f.id, class: 'sua' },
        f.state === 'fix' ? t('Sửa', 'Correct') : t('Điền tiếp', 'Go on'));
      tbody.append(el('tr', { 'data-state': f.state, 'data-id': f.id },
        el('td', {}, (i + 1) + '. ' + (survey ? survey.title : f.survey)),
        el('td', {}, unitName(f.unit)),
        el('td', {}, STATE[f.state]() + (f.fix ? ' — ' + f.fix.field : '')),
        el('td', {}, action)));
    });
    const sent = (await getMeta('sent')) || 0;
    $('da-gui').textContent = t('Đã gửi từ máy này: ', 'Sent from this tablet: ') + sent;
    const waiting = forms.filter((f) => f.state === 'finished').length;
    root.dataset.waiting = String(waiting);
    root.dataset.forms = String(forms.length);
    return forms;
  }

  // ---- Sending: the batch API, with the session and its CSRF token ----
  let syncing = false;
  async function sync() {
    if (syncing) return;
    syncing = true;
    root.dataset.syncing = '1';
    try {
      const fresh = await refreshPack();
      if (fresh === 'offline') { say(t('Không có mạng: phiếu được giữ trên máy và sẽ gửi sau.', 'No network: forms are kept on the tablet and sent later.')); return; }
      if (fresh === 'signed-out') { say(t('Cần đăng nhập lại để gửi phiếu (phiếu vẫn được giữ trên máy).', 'Sign in again to send the forms (they are kept on the tablet).')); return; }
      if (fresh === 'other-user') { say(t('Phiếu trên máy thuộc người dùng khác: xin người đó đăng nhập để gửi.', 'The forms on this tablet belong to another user: they must sign in to send them.')); return; }
      const ready = (await allForms()).filter((f) => f.state === 'finished').sort((a, b) => a.created - b.created);
      let sent = 0;
      let refused = 0;
      for (let i = 0; i < ready.length; i += 200) {
        const chunk = ready.slice(i, i + 200);
        const bodies = await Promise.all(chunk.map((f) => open(key, f.id, f.sealed)));
        const r = await fetch('/api/v1/responses/batch', {
          method: 'POST', credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': pack.csrf },
          body: JSON.stringify(bodies),
        });
        if (!r.ok) { say(t('Máy chủ chưa nhận phiếu (mã ', 'The server did not take the forms (code ') + r.status + t('); sẽ thử lại.', '); will retry.')); return; }
        const results = (await r.json()).results;
        for (let j = 0; j < chunk.length; j += 1) {
          const res = results[j];
          if (res.status === 200 || res.status === 201) {
            await delForm(chunk[j].id);
            sent += 1;
          } else if (res.status === 422 || res.status === 403) {
            chunk[j].state = 'fix';
            chunk[j].fix = { field: res.field || '', error: res.error || '' };
            await putForm(chunk[j]);
            refused += 1;
          }
        }
      }
      await setMeta('sent', ((await getMeta('sent')) || 0) + sent);
      say(t('Đã gửi ', 'Sent ') + sent + t(' phiếu', ' forms') +
        (refused ? t('; ' + refused + ' phiếu cần sửa (xem danh sách).', '; ' + refused + ' to correct (see the list).') : '.'));
    } catch (e) {
      say(t('Mất mạng khi gửi: phiếu vẫn trên máy và sẽ gửi lại.', 'The network dropped while sending: the forms stay on the tablet and will be sent again.'));
    } finally {
      syncing = false;
      delete root.dataset.syncing;
      await list();
    }
  }

  // ---- Starting: the pack kept, else fetched; the choices for a new form ----
  function fillChoices() {
    const s = $('chon-phieu');
    const u = $('chon-don-vi');
    s.textContent = '';
    u.textContent = '';
    for (const sv of pack.surveys) s.append(el('option', { value: sv.id }, sv.title));
    for (const un of pack.units) u.append(el('option', { value: un.code }, un.name + ' (' + un.code + ')'));
  }
  async function start() {
    pack = (await getMeta('pack')) || null;
    key = (await getMeta('key')) || null;
    const fresh = navigator.onLine ? await refreshPack() : 'offline';
    if (!pack) { say(t('Cần có mạng và đăng nhập một lần để tải bộ câu hỏi.', 'A network and one sign-in are needed to download the questionnaires.')); return; }
    fillChoices();
    await list();
    say(fresh === 'ok'
      ? t('Sẵn sàng. Có thể phỏng vấn cả khi không có mạng.', 'Ready. Interviews work without a network too.')
      : t('Đang làm việc không có mạng. Phiếu được giữ trên máy.', 'Working without a network. Forms are kept on the tablet.'));
    root.dataset.ready = '1';
    if (fresh === 'ok' && Number(root.dataset.waiting) > 0) sync();
  }

  $('phieu-moi').addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!pack) return;
    const form = { id: crypto.randomUUID(), survey: $('chon-phieu').value, unit: $('chon-don-vi').value,
      period: pack.period, created: Date.now(), state: 'draft' };
    editing = form;
    renderForm(form, { group: null, background: {}, answers: {}, comments: {} });
    await saveDraft();
    await list();
  });
  $('phieu').addEventListener('change', () => { showOnlyApplicable(); if (editing) saveDraft(); });
  $('phieu').addEventListener('submit', (e) => { e.preventDefault(); finish(); });
  $('phieu').addEventListener('click', async (e) => {
    if (e.target.id === 'luu-nhap') {
      await saveDraft();
      closeForm();
      say(t('Đã lưu nháp trên máy.', 'Draft kept on the tablet.'));
      await list();
    }
  });
  document.querySelector('#danh-sach tbody').addEventListener('click', async (e) => {
    const id = e.target.dataset && e.target.dataset.id;
    if (!id) return;
    const form = (await allForms()).find((f) => f.id === id);
    if (form) await edit(form);
  });
  $('gui').addEventListener('click', sync);
  window.addEventListener('online', sync);
  // The network may come back without the browser noticing (a Wi-Fi that answers again).
  setInterval(() => { if (Number(root.dataset.waiting) > 0) sync(); }, 60000);

  // Signing out with forms still on the tablet is refused: they would be stranded.
  document.querySelectorAll('form[action="/logout"]').forEach((f) => f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const left = (await allForms()).length;
    if (left > 0) {
      say(t('Chưa thể đăng xuất: còn ' + left + ' phiếu chưa gửi trên máy. Xin gửi hết (hoặc hoàn thành phiếu nháp) trước.',
        'Cannot sign out yet: ' + left + ' forms are still unsent on this tablet. Send them all (or finish the drafts) first.'));
      status.focus();
      return;
    }
    await delMeta('key');
    await delMeta('pack');
    await delMeta('user');
    f.submit();
  }));

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/phong-van/sw.js', { scope: '/phong-van' }).catch(() => {});
  }
  start();
}());
