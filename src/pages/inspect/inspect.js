// @ts-check
/**
 * The token inspector page: sends the pasted token to POST /v1/tokens/inspect and
 * shows the answer. Served under a CSP without 'unsafe-inline' and with Trusted
 * Types enforced, so the DOM is built with textContent only (never innerHTML).
 * The credential lives in its input field and in the request it is sent with:
 * no storage, no cookie.
 */
'use strict';

(() => {
  /**
   * @template {HTMLElement} T
   * @param {string} id
   * @param {new () => T} type
   * @returns {T}
   */
  function byId(id, type) {
    const el = document.getElementById(id);
    if (!(el instanceof type)) throw new Error(`#${id} is missing`);
    return el;
  }

  const form = byId('inspect-form', HTMLFormElement);
  const tokenInput = byId('token', HTMLTextAreaElement);
  const channelInput = byId('channelName', HTMLInputElement);
  const identityInput = byId('identity', HTMLInputElement);
  const identityKind = byId('identityKind', HTMLSelectElement);
  const credentialRow = byId('credential-row', HTMLDivElement);
  const credentialInput = byId('credential', HTMLInputElement);
  const status = byId('status', HTMLParagraphElement);
  const result = byId('result', HTMLElement);
  const verdict = byId('verdict', HTMLHeadingElement);
  const problems = byId('problems', HTMLUListElement);
  const summary = byId('summary', HTMLDListElement);
  const services = byId('services', HTMLDivElement);

  // The server says whether it wants a credential; a 401 asks for one too.
  if (document.body.dataset.auth === 'required') credentialRow.hidden = false;

  /** Countdowns, against this page's monotonic clock (the computer's clock may be wrong; the server's was not). */
  /** @type {{ el: HTMLElement, deadline: number }[]} */
  let countdowns = [];
  setInterval(tick, 1000);

  /**
   * @param {string} tag
   * @param {string} [text]
   * @param {string} [className]
   */
  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  /** @param {number} seconds */
  function span(seconds) {
    const s = Math.abs(Math.round(seconds));
    const parts = [];
    const d = Math.floor(s / 86400);
    const h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    if (d) parts.push(`${d} d`);
    if (h) parts.push(`${h} h`);
    if (m) parts.push(`${m} min`);
    if (d === 0 && h === 0) parts.push(`${s % 60} s`);
    return parts.join(' ');
  }

  /** @param {number} secondsLeft */
  function countdown(secondsLeft) {
    const node = el('span', '', 'countdown');
    countdowns.push({ el: node, deadline: performance.now() + secondsLeft * 1000 });
    return node;
  }

  function tick() {
    const now = performance.now();
    for (const c of countdowns) {
      const left = (c.deadline - now) / 1000;
      c.el.textContent = left > 0 ? `expires in ${span(left)}` : `expired ${span(left)} ago`;
      c.el.classList.toggle('expired', left <= 0);
    }
  }

  /**
   * @param {string} text
   * @param {boolean} [error]
   */
  function say(text, error = false) {
    status.textContent = text;
    status.className = error ? 'error' : '';
  }

  /**
   * @param {string} term
   * @param {string | Node} value
   */
  function row(term, value) {
    const dd = el('dd');
    dd.append(value);
    summary.append(el('dt', term), dd);
  }

  /** @param {string} iso @param {number} unix */
  const when = (iso, unix) => `${iso} (unix ${unix})`;

  /**
   * A name from the token, with control, bidi and format characters shown as escapes: textContent keeps it out of
   * the markup, but a U+202E would still reorder what the page shows around it.
   * @param {string} name
   */
  const shown = (name) =>
    name.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);

  /** @param {any} s */
  function identityOf(s) {
    const parts = [];
    if (s.channelName !== undefined) parts.push(`channel "${shown(s.channelName)}"`);
    if (s.uid !== undefined) parts.push(s.uid === 0 ? 'uid 0 (wildcard: any user)' : `uid ${s.uid}`);
    if (s.userAccount !== undefined) parts.push(`user account "${shown(s.userAccount)}"`);
    if (s.userId !== undefined) parts.push(s.userId === '' ? 'app-level (no user)' : `user id "${shown(s.userId)}"`);
    if (s.roomUuid !== undefined) parts.push(`room "${shown(s.roomUuid)}"`);
    if (s.userUuid !== undefined) parts.push(`user "${shown(s.userUuid)}"`);
    if (s.role !== undefined) parts.push(`role ${s.role}`);
    if (s.channelCrc32 !== undefined && s.channelName === undefined) parts.push(`channel checksum ${s.channelCrc32}`);
    if (s.uidCrc32 !== undefined && s.uid === undefined && s.userAccount === undefined) parts.push(`uid checksum ${s.uidCrc32}`);
    for (const p of s.permissions ?? []) parts.push(`${p.permission} ${p.resource}: ${p.resources.map(shown).join(', ')}`);
    return parts.join(' · ') || 'no identity (app-level)';
  }

  /** @param {any} r the InspectTokenResponse */
  function render(r) {
    countdowns = [];
    problems.replaceChildren();
    summary.replaceChildren();
    services.replaceChildren();

    verdict.textContent = r.valid ? 'Agora accepts this token, as far as the token shows' : 'Agora would reject this token';
    verdict.className = r.valid ? 'ok' : 'bad';
    for (const p of r.problems) {
      const li = el('li', undefined, p.severity);
      li.dataset.code = p.code;
      li.append(el('code', p.code), el('span', `${p.severity === 'error' ? 'Error' : 'Warning'}: ${p.message}`));
      problems.append(li);
    }
    if (r.problems.length === 0) problems.append(el('li', 'No problems found.', 'none'));

    row('Version', r.version);
    row('App ID', `${r.appId}${r.appIdMatches === undefined ? '' : r.appIdMatches ? " — this server's" : ' — NOT this server\'s'}`);
    row('Issued', r.issuedAt ? when(r.issuedAt, r.issuedAtUnix) : 'not recorded (a 006 token carries no issue time)');
    const expires = el('span');
    expires.append(`${when(r.expiresAt, r.expiresAtUnix)} — `, countdown(r.expiresInSeconds));
    row('Expires', expires);
    if (r.messageExpiresAt) {
      row('Message ts', `${when(r.messageExpiresAt, r.messageExpiresAtUnix)} — the signature's own limit, not the privileges' (Agora's libraries: mint time + 24 h)`);
    }
    row('Salt', String(r.salt));
    row('Signature', { valid: "valid (signed with this server's certificate)", invalid: 'INVALID for this server', unchecked: 'not checked' }[/** @type {'valid'|'invalid'|'unchecked'} */ (r.signature)]);

    for (const s of r.services) {
      const box = el('div', undefined, 'service');
      box.dataset.service = s.name;
      box.append(el('h3', `${s.name} (service ${s.type})`), el('p', identityOf(s)));
      const table = el('table');
      const head = el('tr');
      for (const h of ['Privilege', 'Expires at', 'Time left']) head.append(el('th', h));
      table.append(head);
      for (const p of s.privileges) {
        const tr = el('tr');
        tr.dataset.privilege = p.name;
        const left = el('td');
        left.append(countdown(p.expiresInSeconds));
        tr.append(el('td', `${p.name} (${p.privilege})`), el('td', when(p.expiresAt, p.expiresAtUnix)), left);
        table.append(tr);
      }
      box.append(table);
      services.append(box);
    }
    tick();
    result.hidden = false;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    /** @type {Record<string, unknown>} */
    const body = { token: tokenInput.value.trim() };
    if (channelInput.value !== '') body.channelName = channelInput.value;
    const identity = identityInput.value.trim();
    if (identity !== '') {
      if (identityKind.value === 'uid') {
        // Canonical decimal only, as the API's rules: "042" is no uid (it could only be the user account "042").
        if (!/^(0|[1-9][0-9]{0,9})$/.test(identity) || Number(identity) > 4294967295) {
          return say('The uid must be a whole number from 0 to 4294967295, without leading zeros; choose "a user account" for anything else.', true);
        }
        body.uid = Number(identity);
      } else {
        body.userAccount = identity;
      }
    }
    /** @type {Record<string, string>} */
    const headers = { 'content-type': 'application/json' };
    if (credentialInput.value !== '') headers.authorization = `Bearer ${credentialInput.value}`;
    say('Inspecting…');
    let res;
    try {
      res = await fetch('/v1/tokens/inspect', { method: 'POST', headers, body: JSON.stringify(body), credentials: 'omit', cache: 'no-store' });
    } catch {
      return say('The server could not be reached.', true);
    }
    const answer = await res.json().catch(() => ({}));
    if (res.ok) {
      say('');
      return render(answer);
    }
    result.hidden = true;
    if (res.status === 401) {
      credentialRow.hidden = false;
      credentialInput.focus();
      return say(`This server needs an API key or bearer token: ${answer.message ?? 'credentials refused'}`, true);
    }
    say(answer.message ? `${answer.message}` : `The server answered ${res.status}.`, true);
  });
})();
