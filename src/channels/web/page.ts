/**
 * The web chat page at GET /: one self-contained document (HTML + CSS + vanilla JS, no external requests),
 * rendered server-side in the page's language. Every visible string comes from locales/<locale>/web.yaml
 * (keys web.page.*); the script gets them as a JSON object. The script and style carry a per-response CSP nonce.
 * Messages sent after the turn (ticket news, staff replies) are fetched by polling POST api/chat/messages: every
 * POLL_MS while the tab is visible, backing off to POLL_HIDDEN_MAX_MS while it is hidden or the server fails.
 * Every message carries an `eventId` made on the page; when its answer does not arrive (network error, a 5xx, the
 * server's store_unavailable / busy / rate_limited, a duplicate still in flight) the page sends the SAME message with
 * the SAME eventId again after RETRY_MS (lose-33): the server processes it once and answers a repeat with the
 * saved replies (`duplicate: true`), so nothing is lost and nothing is done twice. After the last try it offers
 * a [もう一度送る] button that sends it again, still with that eventId.
 */
import type { Locale } from '../../core/index.js';
import type { I18n, LocaleKey } from '../../i18n/index.js';
import { escapeHtml, scriptJson } from '../../http/html.js';

/** How often a visible page asks for messages sent after the turn, ms. */
export const POLL_MS = 3_000;
/** Longest wait between polls while the tab is hidden (or the server keeps failing), ms. */
export const POLL_HIDDEN_MAX_MS = 60_000;
/** Waits before the page sends an unanswered message again (same eventId), ms; then it offers a button. */
export const RETRY_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000, 15_000];

/** Locale keys the page uses (a key missing from locales/ja is a compile error; en has the same keys: lint). */
export const PAGE_KEYS = [
  'web.page.title',
  'web.page.heading',
  'web.page.subtitle',
  'web.page.welcome',
  'web.page.examples_label',
  'web.page.example_1',
  'web.page.example_2',
  'web.page.example_3',
  'web.page.placeholder',
  'web.page.input_label',
  'web.page.send',
  'web.page.new_chat',
  'web.page.new_chat_started',
  'web.page.new_chat_confirm',
  'web.page.typing',
  'web.page.network_error',
  'web.page.retrying',
  'web.page.resend',
  'web.page.ticket',
  'web.page.ticket_note',
  'web.page.status_resolved',
  'web.page.status_escalated',
  'web.page.status_ended',
  'web.page.you',
  'web.page.bot',
  'web.page.lang_switch',
  'web.page.privacy',
] as const satisfies readonly LocaleKey[];

/** Renders the page for `locale`. `nonce` must also appear in the response's Content-Security-Policy. */
export function renderPage(i18n: I18n, locale: Locale, nonce: string): string {
  const s: Record<string, string> = {};
  for (const key of PAGE_KEYS) s[key.slice('web.page.'.length)] = i18n.t(key, undefined, locale);
  const other: Locale = locale === 'ja' ? 'en' : 'ja';
  const h = (k: string) => escapeHtml(s[k] ?? k);
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="color-scheme" content="light">
<title>${h('title')}</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">${CSS}</style>
</head>
<body>
<div class="app">
  <header class="top">
    <div class="brand">
      <div class="logo" aria-hidden="true">✉︎</div>
      <div>
        <h1>${h('heading')}</h1>
        <p class="sub">${h('subtitle')}</p>
      </div>
    </div>
    <nav class="actions">
      <a class="lang" href="?lang=${other}" hreflang="${other}" data-testid="lang">${h('lang_switch')}</a>
      <button type="button" class="new" id="new-chat" data-testid="new-chat">${h('new_chat')}</button>
    </nav>
  </header>
  <main id="log" class="log" role="log" aria-live="polite" aria-relevant="additions" data-testid="log"></main>
  <div id="examples" class="examples" data-testid="examples">
    <span class="ex-label">${h('examples_label')}</span>
    <button type="button" class="ex">${h('example_1')}</button>
    <button type="button" class="ex">${h('example_2')}</button>
    <button type="button" class="ex">${h('example_3')}</button>
  </div>
  <form id="composer" class="composer" autocomplete="off">
    <textarea id="input" rows="1" maxlength="4000" placeholder="${h('placeholder')}" aria-label="${h('input_label')}" data-testid="input"></textarea>
    <button type="submit" id="send" class="send" data-testid="send">${h('send')}</button>
  </form>
  <p class="privacy">🔒 ${h('privacy')}</p>
</div>
<script nonce="${nonce}">
const S = ${scriptJson(s)};
const LOCALE = ${scriptJson(locale)};
const POLL = ${scriptJson({ ms: POLL_MS, maxMs: POLL_HIDDEN_MAX_MS })};
const RETRY = ${scriptJson(RETRY_MS)};
${SCRIPT}
</script>
</body>
</html>
`;
}

const CSS = `
*{box-sizing:border-box}
html,body{margin:0;height:100%}
body{font-family:system-ui,-apple-system,"Hiragino Sans","Hiragino Kaku Gothic ProN","Noto Sans JP","Yu Gothic UI",Meiryo,sans-serif;
  background:#eef2f7;color:#1f2933;line-height:1.6;-webkit-text-size-adjust:100%}
.app{max-width:760px;margin:0 auto;height:100vh;height:100dvh;display:flex;flex-direction:column;background:#f8fafc;
  box-shadow:0 0 24px rgba(15,23,42,.08)}
.top{display:flex;align-items:center;justify-content:space-between;gap:12px;padding:12px 16px;background:#fff;border-bottom:1px solid #e2e8f0}
.brand{display:flex;gap:10px;align-items:center;min-width:0}
.logo{width:40px;height:40px;border-radius:12px;background:linear-gradient(135deg,#2563eb,#14b8a6);color:#fff;display:grid;place-items:center;
  font-size:22px;flex:none}
h1{font-size:17px;margin:0;line-height:1.3;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.brand>div{min-width:0}
.sub{margin:2px 0 0;font-size:12px;color:#64748b}
.actions{display:flex;gap:8px;align-items:center;flex:none}
.lang{font-size:13px;color:#2563eb;text-decoration:none;padding:6px 8px;border-radius:8px}
.lang:hover{background:#eff6ff}
.new{font:inherit;font-size:13px;border:1px solid #cbd5e1;background:#fff;border-radius:999px;padding:6px 12px;cursor:pointer}
.new:hover{background:#f1f5f9}
.log{flex:1;overflow-y:auto;padding:16px;display:flex;flex-direction:column;gap:10px;scroll-behavior:smooth}
.msg{display:flex;flex-direction:column;max-width:88%}
.msg.bot{align-self:flex-start}
.msg.user{align-self:flex-end;align-items:flex-end}
.who{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.bubble{padding:10px 14px;border-radius:16px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:15px}
.bot .bubble{background:#fff;border:1px solid #e2e8f0;border-top-left-radius:4px}
.user .bubble{background:#2563eb;color:#fff;border-top-right-radius:4px}
.choices{display:flex;flex-wrap:wrap;gap:8px;margin-top:8px}
.choice{font:inherit;font-size:14px;border:1.5px solid #2563eb;color:#1d4ed8;background:#fff;border-radius:999px;padding:7px 14px;
  cursor:pointer;min-height:40px;transition:background .15s}
.choice:hover:not(:disabled){background:#eff6ff}
.choice:disabled{cursor:default;opacity:.45;border-color:#94a3b8;color:#475569}
.choice.chosen{opacity:1;background:#2563eb;border-color:#2563eb;color:#fff}
.note{align-self:center;font-size:12px;color:#64748b;background:#e2e8f0;border-radius:999px;padding:3px 12px}
.ticket{align-self:stretch;background:#fffbeb;border:1px solid #fcd34d;border-radius:12px;padding:10px 14px;font-size:14px}
.ticket strong{font-size:16px;letter-spacing:.02em}
.status{align-self:center;font-size:13px;font-weight:600;color:#047857;background:#d1fae5;border-radius:999px;padding:4px 14px}
.status.escalated{color:#92400e;background:#fef3c7}
.status.ended{color:#334155;background:#e2e8f0}
.typing .bubble{color:#64748b;font-style:italic}
.error .bubble{background:#fef2f2;border-color:#fecaca;color:#991b1b}
.examples{display:flex;flex-wrap:wrap;gap:6px;align-items:center;padding:0 16px 8px}
.examples[hidden]{display:none}
.ex-label{font-size:12px;color:#64748b}
.ex{font:inherit;font-size:13px;border:1px dashed #94a3b8;background:#fff;border-radius:999px;padding:4px 10px;cursor:pointer;color:#334155}
.ex:hover{background:#f1f5f9}
.composer{display:flex;gap:8px;padding:10px 12px;background:#fff;border-top:1px solid #e2e8f0;
  padding-bottom:max(10px,env(safe-area-inset-bottom))}
textarea{flex:1;font:inherit;font-size:16px;resize:none;border:1px solid #cbd5e1;border-radius:12px;padding:9px 12px;max-height:140px;
  line-height:1.4;outline:none}
textarea:focus{border-color:#2563eb;box-shadow:0 0 0 3px rgba(37,99,235,.15)}
.send{font:inherit;font-size:15px;font-weight:600;border:0;border-radius:12px;background:#2563eb;color:#fff;padding:0 18px;cursor:pointer}
.send:disabled{background:#94a3b8;cursor:default}
.privacy{margin:0;padding:4px 16px 8px;font-size:11px;color:#64748b;background:#fff;text-align:center}
@media (max-width:480px){.sub{display:none}.msg{max-width:94%}h1{font-size:14px}.top{padding:10px 12px;gap:8px}
  .logo{width:34px;height:34px;font-size:18px}.lang{padding:4px}.new{font-size:12px;padding:5px 10px}}
`;

// The page's behaviour. Plain ES2017 so any phone browser runs it; no framework, no build step.
const SCRIPT = `
(function () {
  'use strict';
  var KEY_CONV = 'mailmedic.conversation';
  var logEl = document.getElementById('log');
  var input = document.getElementById('input');
  var form = document.getElementById('composer');
  var sendBtn = document.getElementById('send');
  var examples = document.getElementById('examples');
  var busy = false;
  var entries = [];

  function store(k, v) { try { if (v === null) localStorage.removeItem(k); else localStorage.setItem(k, v); } catch (e) {} }
  function load(k) { try { return localStorage.getItem(k); } catch (e) { return null; } }
  function newId() {
    var a = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(a);
    return 'web-' + Array.prototype.map.call(a, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }
  var conversation = load(KEY_CONV);
  if (!conversation) { conversation = newId(); store(KEY_CONV, conversation); }
  function logKey() { return 'mailmedic.log.' + conversation; }
  function cursorKey() { return 'mailmedic.cursor.' + conversation; }
  // An entry still waiting for the server's redacted echo of what was typed is never written to storage.
  function save() { store(logKey(), JSON.stringify(entries.filter(function (e) { return !e.pending; }).slice(-200))); }

  // Text → nodes: line breaks kept by CSS, **bold** honoured, everything else as text (never innerHTML).
  function renderText(el, text) {
    var parts = String(text).split(/(\\*\\*[^*]+\\*\\*)/);
    for (var i = 0; i < parts.length; i++) {
      var p = parts[i];
      if (/^\\*\\*[^*]+\\*\\*$/.test(p)) { var b = document.createElement('strong'); b.textContent = p.slice(2, -2); el.appendChild(b); }
      else if (p) el.appendChild(document.createTextNode(p));
    }
  }
  function scroll() { logEl.scrollTop = logEl.scrollHeight; }

  function disableOpenChoices() {
    var open = logEl.querySelectorAll('.choice:not(:disabled)');
    for (var i = 0; i < open.length; i++) open[i].disabled = true;
    for (var j = 0; j < entries.length; j++) if (entries[j].choices) entries[j].used = true;
  }

  function draw(entry) {
    var div = document.createElement('div');
    if (entry.who === 'note' || entry.who === 'status' || entry.who === 'ticket') {
      div.className = entry.who === 'status' ? 'status ' + entry.kind : entry.who;
      if (entry.who === 'ticket') {
        div.setAttribute('data-testid', 'ticket');
        var label = S.ticket.split('{id}');
        div.appendChild(document.createTextNode(label[0] || ''));
        var strong = document.createElement('strong'); strong.textContent = entry.text; div.appendChild(strong);
        div.appendChild(document.createTextNode((label[1] || '') + ' ' + S.ticket_note));
      } else div.textContent = entry.text;
      logEl.appendChild(div); return div;
    }
    div.className = 'msg ' + entry.who + (entry.error ? ' error' : '');
    div.setAttribute('data-testid', entry.who === 'bot' ? 'bot-message' : 'user-message');
    var who = document.createElement('span'); who.className = 'who'; who.textContent = entry.who === 'bot' ? S.bot : S.you;
    var bubble = document.createElement('div'); bubble.className = 'bubble'; renderText(bubble, entry.text);
    div.appendChild(who); div.appendChild(bubble);
    if (entry.choices && entry.choices.length) {
      var row = document.createElement('div'); row.className = 'choices'; row.setAttribute('role', 'group');
      entry.choices.forEach(function (c) {
        var btn = document.createElement('button');
        btn.type = 'button'; btn.className = 'choice' + (entry.chosen === c.value ? ' chosen' : '');
        btn.textContent = c.label; btn.setAttribute('data-value', c.value); btn.setAttribute('data-testid', 'choice');
        btn.disabled = !!entry.used;
        btn.addEventListener('click', function () {
          if (busy || btn.disabled) return;
          entry.chosen = c.value; btn.classList.add('chosen');
          disableOpenChoices();
          send({ action: c.value }, c.label);
        });
        row.appendChild(btn);
      });
      div.appendChild(row);
    }
    logEl.appendChild(div); return div;
  }
  function add(entry, keep) { entries.push(entry); var el = draw(entry); if (keep !== false) save(); scroll(); return el; }

  function welcome() { add({ who: 'bot', text: S.welcome }); }

  function restore() {
    var raw = load(logKey()); var list = null;
    try { list = raw ? JSON.parse(raw) : null; } catch (e) { list = null; }
    if (!list || !list.length) { welcome(); return; }
    entries = list; for (var i = 0; i < entries.length; i++) draw(entries[i]);
    examples.hidden = entries.some(function (e) { return e.who === 'user'; });
    scroll();
  }

  function setBusy(b) { busy = b; sendBtn.disabled = b; }

  function send(payload, shownText) {
    if (busy) return;
    examples.hidden = true;
    var mine = add({ who: 'user', text: shownText }, false);
    var mineEntry = entries[entries.length - 1];
    // Until the server's redacted echo arrives, nothing of what was typed is kept in localStorage.
    if (payload.text !== undefined) mineEntry.pending = true; else save();
    // One id per message, kept for its retries: the server answers a repeat once, with the saved replies.
    attempt({ payload: payload, eventId: newId().replace('web-', 'msg-'), tries: 0, mine: mine, mineEntry: mineEntry, conv: conversation });
  }

  // Failures a later try of the same message can get past (the server did not, or may not, have answered it).
  function retryable(r) {
    if (!r) return true;
    // A request the server refused (400 bad body, 413 too large …) would be refused again: not retried.
    if (r.status >= 400 && r.status < 500 && r.status !== 429) return false;
    if (!r.data || !r.data.replies) return true;
    var e = r.data.error;
    if (e === 'store_unavailable' || e === 'busy' || e === 'rate_limited') return true;
    return !!r.data.duplicate && r.data.replies.length === 0;
  }

  function attempt(job) {
    setBusy(true);
    var typing = draw({ who: 'bot', text: job.tries ? S.retrying : S.typing }); typing.classList.add('typing'); scroll();
    var body = { conversation: job.conv, locale: LOCALE, eventId: job.eventId };
    for (var k in job.payload) body[k] = job.payload[k];
    fetch('api/chat', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (res) {
        var after = Number(res.headers.get('Retry-After'));
        return res.json().then(function (data) { return { status: res.status, data: data, after: after }; }, function () { return { status: res.status, data: null, after: after }; });
      }, function () { return null; })
      .then(function (r) {
        typing.remove();
        if (job.conv !== conversation) return; // a new chat started meanwhile
        var mineEntry = job.mineEntry;
        if (mineEntry.pending && r && r.data && typeof r.data.echo === 'string') {
          delete mineEntry.pending;
          mineEntry.text = r.data.echo;
          var bub = job.mine.querySelector('.bubble'); if (bub) { bub.textContent = ''; renderText(bub, r.data.echo); }
          save();
        }
        if (retryable(r)) {
          if (job.tries < RETRY.length) {
            var wait = r && r.data && r.data.error === 'rate_limited' && r.after > 0 ? r.after * 1000 : RETRY[job.tries];
            job.tries++;
            setTimeout(function () { attempt(job); }, wait);
            return 'wait';
          }
          // Given up for now: the person can send it again (the same message, the same id) with one click.
          var el = add({ who: 'bot', text: (r && r.data && r.data.replies && r.data.replies[0] && r.data.replies[0].text) || S.network_error, error: true });
          var again = document.createElement('button');
          again.type = 'button'; again.className = 'choice'; again.textContent = S.resend; again.setAttribute('data-testid', 'resend');
          again.addEventListener('click', function () {
            if (busy) return;
            again.remove(); job.tries = 0; attempt(job);
          });
          var row = document.createElement('div'); row.className = 'choices'; row.appendChild(again); el.appendChild(row);
          return;
        }
        if (mineEntry.pending) { delete mineEntry.pending; entries.splice(entries.indexOf(mineEntry), 1); save(); }
        if (!r.data || !r.data.replies) { add({ who: 'bot', text: (r.data && r.data.error) || S.network_error, error: true }); return; }
        r.data.replies.forEach(function (rep) { add({ who: 'bot', text: rep.text, choices: rep.choices || [] }); });
        if (r.data.ticket && r.data.ticket.id) add({ who: 'ticket', text: r.data.ticket.id });
        var st = r.data.status;
        if (st === 'resolved' || st === 'escalated' || st === 'ended') add({ who: 'status', kind: st, text: S['status_' + st] });
      })
      .catch(function () { typing.remove(); add({ who: 'bot', text: S.network_error, error: true }); })
      .then(function (state) { if (state !== 'wait') { setBusy(false); input.focus(); } });
  }

  // Messages sent after the turn wait on the server until asked for: poll while this conversation has started.
  var pollTimer = null; var polling = false; var slow = 0;
  function pollDelay() {
    // Hidden tab or failing server: 2×, 4× … the interval up to the cap; a visible, healthy page polls every POLL.ms.
    return slow === 0 ? POLL.ms : Math.min(POLL.maxMs, POLL.ms * Math.pow(2, Math.min(slow, 10)));
  }
  function schedule(ms) { if (pollTimer) clearTimeout(pollTimer); pollTimer = setTimeout(poll, ms); }
  function shown(id) { for (var i = entries.length - 1; i >= 0; i--) if (entries[i].pid === id) return true; return false; }
  function poll() {
    pollTimer = null;
    if (polling) return;
    if (!entries.some(function (e) { return e.who === 'user'; })) { schedule(pollDelay()); return; }
    polling = true;
    var conv = conversation;
    var body = { conversation: conv, locale: LOCALE }; var after = load(cursorKey()); if (after) body.after = after;
    var failed = false;
    fetch('api/chat/messages', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (res) { if (!res.ok) throw new Error('poll ' + res.status); return res.json(); })
      .then(function (data) {
        if (conv !== conversation) return; // a new chat started meanwhile: these belong to the old one
        (data.messages || []).forEach(function (m) {
          if (!shown(m.id)) add({ who: 'bot', text: m.text, choices: m.choices || [], pid: m.id });
        });
        if (data.cursor) store(cursorKey(), data.cursor);
      })
      .catch(function () { failed = true; })
      .then(function () {
        polling = false;
        slow = document.hidden || failed ? slow + 1 : 0;
        schedule(pollDelay());
      });
  }
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden) { slow = 0; schedule(0); }
  });

  function sendText() {
    var text = input.value.replace(/\\s+$/, '');
    if (busy || !text.trim()) return;
    input.value = ''; grow();
    disableOpenChoices(); save();
    send({ text: text }, text);
  }

  function grow() { input.style.height = 'auto'; input.style.height = Math.min(input.scrollHeight, 140) + 'px'; }

  form.addEventListener('submit', function (e) { e.preventDefault(); sendText(); });
  input.addEventListener('input', grow);
  input.addEventListener('keydown', function (e) {
    // Enter sends, Shift+Enter breaks the line. While an IME is composing (Japanese kana→kanji), Enter only
    // confirms the conversion: isComposing, or keyCode 229 on browsers that report the confirming keydown so.
    if (e.key !== 'Enter' || e.shiftKey) return;
    if (e.isComposing || e.keyCode === 229) return;
    e.preventDefault(); sendText();
  });
  var exBtns = examples.querySelectorAll('.ex');
  for (var i = 0; i < exBtns.length; i++) (function (b) {
    b.addEventListener('click', function () { if (!busy) { disableOpenChoices(); send({ text: b.textContent }, b.textContent); } });
  })(exBtns[i]);
  document.getElementById('new-chat').addEventListener('click', function () {
    if (busy) return;
    if (entries.some(function (e) { return e.who === 'user'; }) && !confirm(S.new_chat_confirm)) return;
    store(logKey(), null); store(cursorKey(), null);
    conversation = newId(); store(KEY_CONV, conversation);
    entries = []; logEl.textContent = ''; examples.hidden = false;
    add({ who: 'note', text: S.new_chat_started }); welcome(); input.focus();
  });
  restore();
  input.focus();
  schedule(0);
})();
`;
