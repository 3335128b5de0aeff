/*!
 * <shopdesk-chat>: the shopdesk chat widget, a plain web component (no build step).
 * Needs socket.io-client 4 (window.io) loaded first. Documented in docs/widget.md.
 *
 * Nothing a shopper, the bot, staff or a product supplies is ever parsed as HTML: every
 * text goes through textContent, links are built as <a> elements with http(s) hrefs only.
 */
(() => {
  "use strict";

  /** The widget's own strings; a page can replace any of them with the `strings` property. */
  const STRINGS = {
    open: "Chat with us",
    close: "Close chat",
    placeholder: "Type your message",
    send: "Send",
    inputLabel: "Message",
    connecting: "Connecting…",
    online: "Online",
    offline: "Offline",
    unreachable: "Can't reach the shop assistant right now. Retrying…",
    reconnected: "Connected again.",
    connectionLost: "Connection lost. Reconnecting…",
    notSent: "Not sent",
    waiting: "Waiting for connection",
    typing: "The assistant is typing",
    inStock: "In stock",
    soldOut: "Sold out",
    moreLikeThis: "More like this",
    askAboutThis: "Ask about this",
    moreLikeThisText: (title) => `something like the ${title}`,
    askAboutThisText: (title) => `About the ${title}: `,
    joined: (agent) => `${agent} joined the conversation`,
    left: (agent) => `${agent} left the conversation`,
    staffLabel: (agent) => `${agent} (staff)`,
    products: "Products",
    rate: (n) => `Rate ${n} out of 5`,
    rated: (n) => `Rated ${n} out of 5`,
    rating: (r) => `★ ${Number(r).toFixed(1)}`,
    you: "You",
    assistant: "Assistant",
  };

  const KEY = "shopdesk-chat";
  const URL_PATTERN = /\bhttps?:\/\/[^\s<>"')\]]+/g;
  const RATE_PAYLOAD = /^\/rate\{"rating":\s*"?(\d)"?\}$/;
  const ACK_TIMEOUT_MS = 10000;
  const SESSION_RETRY_MS = 5000;
  const MAX_ENTRIES = 200;

  /** A random id of 128 bits, as 32 hex digits. */
  function randomId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function readJSON(key, fallback) {
    try {
      const raw = localStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (_) {
      return fallback;
    }
  }

  function writeJSON(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch (_) {
      /* storage full or disabled: the widget still works for this page */
    }
  }

  /** Appends `text` to `parent` with URLs as links (text nodes only, never HTML). */
  function appendLinkified(parent, text) {
    let last = 0;
    for (const match of String(text).matchAll(URL_PATTERN)) {
      parent.append(document.createTextNode(text.slice(last, match.index)));
      const link = document.createElement("a");
      link.href = match[0];
      link.textContent = match[0];
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      parent.append(link);
      last = match.index + match[0].length;
    }
    parent.append(document.createTextNode(String(text).slice(last)));
  }

  function el(tag, attributes = {}, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value !== undefined && value !== null) node.setAttribute(name, value);
    }
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function safeHttpUrl(value) {
    try {
      const url = new URL(String(value), document.baseURI);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  const STYLE = `
    :host { --shopdesk-accent: #0b6e4f; --shopdesk-accent-text: #fff; --shopdesk-bg: #fff;
      --shopdesk-text: #1d2433; --shopdesk-muted: #5b6475; --shopdesk-bot-bubble: #eef1f5;
      --shopdesk-user-bubble: var(--shopdesk-accent); --shopdesk-staff-bubble: #fff4d6;
      --shopdesk-radius: 14px; --shopdesk-width: 380px; --shopdesk-font: system-ui, sans-serif;
      position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; font-family: var(--shopdesk-font);
      color: var(--shopdesk-text); }
    * { box-sizing: border-box; }
    button { font: inherit; cursor: pointer; }
    :focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
    .launcher { border: 0; border-radius: 999px; padding: 14px 20px; background: var(--shopdesk-accent);
      color: var(--shopdesk-accent-text); box-shadow: 0 6px 20px rgba(0,0,0,.2); font-weight: 600; }
    .panel { display: none; flex-direction: column; width: var(--shopdesk-width); height: min(620px, calc(100vh - 40px));
      background: var(--shopdesk-bg); border-radius: var(--shopdesk-radius); box-shadow: 0 12px 40px rgba(0,0,0,.25);
      overflow: hidden; }
    :host([open]) .panel { display: flex; }
    :host([open]) .launcher { display: none; }
    header { display: flex; align-items: center; gap: 8px; padding: 12px 14px; background: var(--shopdesk-accent);
      color: var(--shopdesk-accent-text); }
    header h2 { margin: 0; font-size: 1rem; flex: 1; }
    .state { font-size: .75rem; opacity: .9; }
    .state::before { content: ""; display: inline-block; width: 8px; height: 8px; border-radius: 50%;
      margin-right: 5px; background: #f5b942; }
    :host([connection-state="online"]) .state::before { background: #6ee7a8; }
    :host([connection-state="offline"]) .state::before { background: #ff7a7a; }
    .close { border: 0; background: transparent; color: inherit; font-size: 1.4rem; line-height: 1; padding: 0 4px; }
    .banner { display: none; padding: 8px 12px; background: #fff1f1; color: #8a1f1f; font-size: .85rem; }
    .banner.shown { display: block; }
    .log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; }
    .log > * { flex-shrink: 0; }
    .msg { max-width: 85%; padding: 8px 12px; border-radius: 12px; white-space: pre-wrap; overflow-wrap: anywhere;
      line-height: 1.35; font-size: .93rem; }
    .msg.bot { align-self: flex-start; background: var(--shopdesk-bot-bubble); }
    .msg.user { align-self: flex-end; background: var(--shopdesk-user-bubble); color: var(--shopdesk-accent-text); }
    .msg.user a { color: inherit; }
    .msg.staff { align-self: flex-start; background: var(--shopdesk-staff-bubble); }
    .who { display: block; font-size: .72rem; font-weight: 700; color: var(--shopdesk-muted); margin-bottom: 2px; }
    .status { display: block; font-size: .7rem; opacity: .85; margin-top: 3px; }
    .line { align-self: center; font-size: .78rem; color: var(--shopdesk-muted); text-align: center; }
    .carousel { display: flex; gap: 10px; overflow-x: auto; scroll-snap-type: x mandatory; padding: 2px 2px 8px;
      margin: 0; list-style: none; max-width: 100%; }
    .card { flex: 0 0 190px; scroll-snap-align: start; border: 1px solid #e3e6ec; border-radius: 12px;
      background: #fff; padding: 8px; display: flex; flex-direction: column; gap: 4px; font-size: .85rem; }
    .card img, .card .ph { width: 100%; aspect-ratio: 4 / 3; object-fit: cover; border-radius: 8px;
      background: linear-gradient(135deg, #dfe7e4, #c9d6e3); }
    .card a.title { font-weight: 600; color: var(--shopdesk-text); text-decoration: none; }
    .card a.title:hover { text-decoration: underline; }
    .price { font-weight: 700; color: var(--shopdesk-accent); }
    .meta { color: var(--shopdesk-muted); font-size: .78rem; }
    .card .actions { display: flex; gap: 4px; margin-top: auto; }
    .card .actions button, .replies button { border: 1px solid var(--shopdesk-accent); color: var(--shopdesk-accent);
      background: #fff; border-radius: 999px; padding: 4px 10px; font-size: .78rem; }
    .replies { display: flex; flex-wrap: wrap; gap: 6px; }
    .stars { display: flex; gap: 4px; }
    .stars button { border: 0; background: transparent; font-size: 1.6rem; color: #c3c8d1; padding: 0 2px; }
    .stars button:hover, .stars button:focus-visible, .stars button.lit { color: #f5a524; }
    .typing { display: none; align-self: flex-start; padding: 8px 12px; background: var(--shopdesk-bot-bubble);
      border-radius: 12px; }
    .typing.shown { display: inline-flex; gap: 4px; }
    .typing span { width: 6px; height: 6px; border-radius: 50%; background: var(--shopdesk-muted);
      animation: blink 1s infinite ease-in-out; }
    .typing span:nth-child(2) { animation-delay: .15s; } .typing span:nth-child(3) { animation-delay: .3s; }
    @keyframes blink { 0%, 80%, 100% { opacity: .3 } 40% { opacity: 1 } }
    form { display: flex; gap: 6px; padding: 10px; border-top: 1px solid #e3e6ec; }
    textarea { flex: 1; resize: none; border: 1px solid #cfd5de; border-radius: 10px; padding: 8px; font: inherit;
      min-height: 40px; max-height: 120px; }
    form button { border: 0; border-radius: 10px; padding: 0 14px; background: var(--shopdesk-accent);
      color: var(--shopdesk-accent-text); font-weight: 600; }
    .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    @media (max-width: 480px) {
      :host([open]) { right: 0; bottom: 0; left: 0; top: 0; }
      .panel { width: 100vw; height: 100vh; border-radius: 0; }
    }
  `;

  class ShopdeskChat extends HTMLElement {
    static get observedAttributes() {
      return ["open", "chat-title", "greeting"];
    }

    /** Registers the element once (a second script tag does nothing). */
    static define(name = "shopdesk-chat") {
      if (!customElements.get(name)) customElements.define(name, ShopdeskChat);
    }

    constructor() {
      super();
      this.strings = { ...STRINGS };
      this.socket = null;
      this.confirmed = false;
      this.inFlight = new Set();
      this.everConnected = false;
      this.attachShadow({ mode: "open" });
    }

    get serverUrl() {
      return (this.getAttribute("server-url") || "").replace(/\/$/, "");
    }

    get storageKey() {
      return `${KEY}:${this.serverUrl}`;
    }

    /** The conversation id: 128 random bits made in this browser, shared by the shop's tabs. */
    get sessionId() {
      let id = localStorage.getItem(`${this.storageKey}:session`);
      if (!id || !/^[A-Za-z0-9_-]{22,128}$/.test(id)) {
        id = randomId();
        localStorage.setItem(`${this.storageKey}:session`, id);
      }
      return id;
    }

    get transcript() {
      return readJSON(`${this.storageKey}:transcript:${this.sessionId}`, []);
    }

    set transcript(entries) {
      writeJSON(`${this.storageKey}:transcript:${this.sessionId}`, entries.slice(-MAX_ENTRIES));
    }

    get outbox() {
      return readJSON(`${this.storageKey}:outbox:${this.sessionId}`, []);
    }

    set outbox(items) {
      writeJSON(`${this.storageKey}:outbox:${this.sessionId}`, items);
    }

    connectedCallback() {
      this.build();
      if (readJSON(`${this.storageKey}:open`, false)) this.setAttribute("open", "");
      this.render();
      this.setState("connecting");
      this.onStorage = (event) => {
        if (event.key && event.key.startsWith(this.storageKey)) this.render();
        if (event.key === `${this.storageKey}:open`) {
          this.toggleAttribute("open", readJSON(event.key, false));
        }
      };
      window.addEventListener("storage", this.onStorage);
      this.recordPageView();
      this.connect();
    }

    disconnectedCallback() {
      window.removeEventListener("storage", this.onStorage);
      clearTimeout(this.sessionTimer);
      if (this.socket) this.socket.close();
    }

    attributeChangedCallback(name) {
      if (!this.shadowRoot.firstChild) return;
      if (name === "open") {
        const open = this.hasAttribute("open");
        this.launcher.setAttribute("aria-expanded", String(open));
        writeJSON(`${this.storageKey}:open`, open);
      } else {
        this.heading.textContent = this.getAttribute("chat-title") || "Chat";
        this.render();
      }
    }

    build() {
      if (this.shadowRoot.firstChild) return;
      const root = this.shadowRoot;
      root.append(el("style", {}, STYLE));
      this.launcher = el("button", { class: "launcher", part: "launcher", "aria-expanded": "false",
        "aria-controls": "panel" }, this.strings.open);
      this.launcher.addEventListener("click", () => this.open());
      const panel = el("section", { class: "panel", id: "panel", part: "panel", role: "dialog",
        "aria-labelledby": "heading" });
      const header = el("header", { part: "header" });
      this.heading = el("h2", { id: "heading" }, this.getAttribute("chat-title") || "Chat");
      this.stateLabel = el("span", { class: "state", role: "status" });
      const close = el("button", { class: "close", "aria-label": this.strings.close }, "×");
      close.addEventListener("click", () => this.close());
      header.append(this.heading, this.stateLabel, close);
      this.banner = el("div", { class: "banner", role: "alert" });
      this.log = el("div", { class: "log", part: "log", role: "log", "aria-live": "polite",
        "aria-relevant": "additions", tabindex: "0" });
      this.typing = el("div", { class: "typing", role: "status", "aria-label": this.strings.typing });
      this.typing.append(el("span"), el("span"), el("span"));
      const form = el("form", { part: "form" });
      const label = el("label", { for: "input", class: "sr-only" }, this.strings.inputLabel);
      this.input = el("textarea", { id: "input", rows: "1", placeholder: this.strings.placeholder,
        "aria-label": this.strings.inputLabel, maxlength: "5000" });
      this.input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey) {
          event.preventDefault();
          form.requestSubmit();
        }
      });
      const send = el("button", { type: "submit" }, this.strings.send);
      form.append(label, this.input, send);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const text = this.input.value.trim();
        if (!text) return;
        this.input.value = "";
        this.send(text);
      });
      panel.addEventListener("keydown", (event) => {
        if (event.key === "Escape") this.close();
      });
      panel.append(header, this.banner, this.log, form);
      root.append(this.launcher, panel);
    }

    open() {
      this.setAttribute("open", "");
      this.input.focus();
    }

    close() {
      this.removeAttribute("open");
      this.launcher.focus();
    }

    setState(state) {
      this.setAttribute("connection-state", state);
      this.stateLabel.textContent = this.strings[state];
    }

    showBanner(text) {
      this.banner.textContent = text || "";
      this.banner.classList.toggle("shown", Boolean(text));
    }

    /** The metadata plus the shop's signed identity token, read when sending (never stored). */
    withIdentity(metadata) {
      const token = this.getAttribute("identity-token");
      return token ? { ...metadata, identity_token: token } : metadata;
    }

    pageContext() {
      const context = { url: location.href };
      const handle = this.getAttribute("product-handle");
      if (handle) context.product_handle = handle;
      return context;
    }

    // ---------------------------------------------------------------- connection

    connect() {
      if (typeof window.io !== "function") {
        this.setState("offline");
        this.showBanner(this.strings.unreachable);
        return;
      }
      // WebSocket only: one connection is one server worker (long-polling would need sticky
      // sessions when the Rasa server runs several workers).
      this.socket = window.io(this.serverUrl, {
        transports: ["websocket"],
        reconnectionDelay: 500,
        reconnectionDelayMax: 4000,
      });
      this.socket.on("connect", () => {
        this.confirmed = false;
        this.requestSession();
      });
      this.socket.on("session_confirm", () => {
        clearTimeout(this.sessionTimer);
        this.confirmed = true;
        this.setState("online");
        this.showBanner("");
        this.everConnected = true;
        this.inFlight.clear();
        this.flush();
      });
      this.socket.on("disconnect", () => {
        this.confirmed = false;
        this.setState("offline");
        this.typing.classList.remove("shown");
        this.showBanner(this.strings.connectionLost);
      });
      this.socket.on("connect_error", () => {
        this.setState("offline");
        this.showBanner(this.everConnected ? this.strings.connectionLost : this.strings.unreachable);
      });
      this.socket.on("bot_uttered", (message) => this.receive(message));
      this.socket.on("shopdesk_error", (error) => {
        this.add({ who: "line", text: String((error && error.error) || error) });
      });
    }

    /** Asks the server to resume this session, again every few seconds until it confirms. */
    requestSession() {
      clearTimeout(this.sessionTimer);
      if (!this.socket.connected || this.confirmed) return;
      this.socket.emit("session_request", { session_id: this.sessionId });
      this.sessionTimer = setTimeout(() => this.requestSession(), SESSION_RETRY_MS);
    }

    /** Queues a message (kept in localStorage until the server acknowledges it) and sends it. */
    send(text, { display, payload } = {}) {
      const id = randomId();
      this.clearReplies();
      this.add({ who: "user", text: display || text, id, state: "pending" });
      const items = this.outbox;
      items.push({ id, message: payload || text, metadata: { page: this.pageContext() } });
      this.outbox = items;
      this.flush();
    }

    flush() {
      if (!this.socket || !this.confirmed) {
        this.render();
        return;
      }
      for (const item of this.outbox) {
        if (this.inFlight.has(item.id)) continue;
        this.inFlight.add(item.id);
        this.socket.timeout(ACK_TIMEOUT_MS).emit(
          "user_uttered",
          { message: item.message, session_id: this.sessionId, message_id: item.id,
            metadata: this.withIdentity(item.metadata) },
          (timedOut, ack) => {
            this.inFlight.delete(item.id);
            if (timedOut) {
              // Sent again (same id, answered once) when the connection is back.
              if (this.confirmed) this.flush();
              return;
            }
            this.outbox = this.outbox.filter((queued) => queued.id !== item.id);
            if (ack && ack.ok) {
              this.typing.classList.add("shown");
              this.markSent(item.id, "sent");
            } else {
              this.markSent(item.id, "failed", ack && ack.error);
            }
          }
        );
      }
      this.render();
    }

    markSent(id, state, error) {
      this.transcript = this.transcript.map((entry) =>
        entry.id === id ? { ...entry, state, error: error || undefined } : entry
      );
      this.render();
    }

    receive(message) {
      if (!message || typeof message !== "object") return;
      this.typing.classList.remove("shown");
      // A reply names the message it answers and its place among the answers (reply_to, seq).
      // A message sent again is answered again from the stored conversation, with the same
      // replies: one already shown is not shown twice.
      const reply = typeof message.reply_to === "string" ? JSON.stringify(message) : undefined;
      if (reply && this.transcript.some((entry) => entry.reply === reply)) return;
      const staff = message.staff;
      if (staff && (staff.kind === "joined" || staff.kind === "left")) {
        const agent = String(staff.agent || "");
        this.add({ who: "line", text: staff.kind === "joined" ? this.strings.joined(agent) : this.strings.left(agent) });
        return;
      }
      if (staff) {
        this.add({ who: "staff", agent: String(staff.agent || ""), text: String(message.text || "") });
        return;
      }
      const entry = { who: "bot", reply };
      if (typeof message.text === "string") entry.text = message.text;
      const replies = message.quick_replies || message.buttons;
      if (Array.isArray(replies) && replies.length) {
        entry.replies = replies.map((r) => ({ title: String(r.title || ""), payload: String(r.payload || r.title || "") }));
      }
      if (message.custom && typeof message.custom === "object") entry.custom = message.custom;
      if (message.attachment && message.attachment.payload && message.attachment.payload.src) {
        entry.image = message.attachment.payload.src;
      }
      if (entry.text === undefined && !entry.custom && !entry.image) return;
      this.add(entry);
    }

    add(entry) {
      const entries = this.transcript;
      entries.push({ at: Date.now(), ...entry });
      this.transcript = entries;
      this.render();
    }

    clearReplies() {
      this.transcript = this.transcript.map((entry) => (entry.replies ? { ...entry, replies: undefined } : entry));
    }

    // ---------------------------------------------------------------- page events

    recordPageView() {
      const handle = this.getAttribute("product-handle");
      if (handle) this.recordInteraction(handle, "view");
    }

    recordInteraction(handle, kind) {
      const url = this.getAttribute("interactions-url");
      if (!url || !handle) return;
      fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session_id: this.sessionId, product_handle: handle, kind }),
        keepalive: true,
      }).catch(() => {});
    }

    // ---------------------------------------------------------------- rendering

    render() {
      if (!this.log) return;
      const greeting = this.getAttribute("greeting");
      const nodes = [];
      if (greeting) nodes.push(this.bubble("bot", greeting));
      const entries = this.transcript;
      const pending = new Set(this.outbox.map((item) => item.id));
      entries.forEach((entry, index) => {
        const last = index === entries.length - 1;
        if (entry.who === "user") {
          const node = this.bubble("user", entry.text);
          const state = pending.has(entry.id) && !this.confirmed ? this.strings.waiting
            : entry.state === "failed" ? `${this.strings.notSent}${entry.error ? `: ${entry.error}` : ""}` : null;
          if (state) node.append(el("span", { class: "status" }, state));
          nodes.push(node);
        } else if (entry.who === "staff") {
          const node = this.bubble("staff", entry.text);
          node.prepend(el("span", { class: "who" }, this.strings.staffLabel(entry.agent)));
          nodes.push(node);
        } else if (entry.who === "line") {
          nodes.push(el("p", { class: "line" }, entry.text));
        } else {
          if (entry.text) nodes.push(this.bubble("bot", entry.text));
          if (entry.custom) nodes.push(...this.renderCustom(entry.custom));
          if (entry.replies && last) nodes.push(this.renderReplies(entry.replies));
        }
      });
      if (this.typing.classList.contains("shown")) nodes.push(this.typing);
      this.log.replaceChildren(...nodes);
      this.scrollDown();
    }

    scrollDown() {
      this.log.scrollTop = this.log.scrollHeight;
    }

    bubble(who, text) {
      const node = el("div", { class: `msg ${who}` });
      node.append(el("span", { class: "sr-only" }, `${who === "user" ? this.strings.you : this.strings.assistant}: `));
      appendLinkified(node, text || "");
      return node;
    }

    renderCustom(custom) {
      if (custom.type === "product_list" && Array.isArray(custom.products)) {
        const list = el("ul", { class: "carousel", part: "carousel", "aria-label": this.strings.products });
        for (const product of custom.products) list.append(this.card(product));
        return [list];
      }
      if (custom.type === "product" && custom.product) {
        const list = el("ul", { class: "carousel", part: "carousel", "aria-label": this.strings.products });
        list.append(this.card(custom.product));
        return [list];
      }
      return [];
    }

    card(product) {
      const title = String(product.title || "");
      const handle = product.handle || (String(product.url || "").match(/\/products\/([^/?#]+)/) || [])[1];
      const card = el("li", { class: "card", part: "card" });
      const image = safeHttpUrl(product.image_url);
      if (image) {
        const img = el("img", { src: image, alt: "", loading: "lazy" });
        img.addEventListener("error", () => img.replaceWith(el("div", { class: "ph" })));
        card.append(img);
      } else {
        card.append(el("div", { class: "ph" }));
      }
      const href = safeHttpUrl(product.url);
      const link = el("a", { class: "title", href: href || undefined }, title);
      link.addEventListener("click", () => this.recordInteraction(handle, "click"));
      card.append(link);
      const price = product.price_text || (product.price !== undefined ? `${product.price} ${product.currency || ""}` : "");
      card.append(el("span", { class: "price" }, String(price)));
      const meta = [];
      if (product.rating !== undefined && product.rating !== null) meta.push(this.strings.rating(product.rating));
      meta.push(product.in_stock === false ? this.strings.soldOut : this.strings.inStock);
      card.append(el("span", { class: "meta" }, meta.join(" · ")));
      if (product.reason) card.append(el("span", { class: "meta" }, String(product.reason)));
      const actions = el("div", { class: "actions" });
      const more = el("button", { type: "button", "aria-label": `${this.strings.moreLikeThis}: ${title}` }, this.strings.moreLikeThis);
      more.addEventListener("click", () => {
        this.recordInteraction(handle, "click");
        this.send(this.strings.moreLikeThisText(title));
      });
      const ask = el("button", { type: "button", "aria-label": `${this.strings.askAboutThis}: ${title}` }, this.strings.askAboutThis);
      ask.addEventListener("click", () => {
        this.recordInteraction(handle, "click");
        this.input.value = this.strings.askAboutThisText(title);
        this.input.focus();
      });
      actions.append(more, ask);
      card.append(actions);
      return card;
    }

    renderReplies(replies) {
      const ratings = replies.map((r) => r.payload.match(RATE_PAYLOAD));
      if (ratings.every(Boolean)) {
        const stars = el("div", { class: "stars", role: "group", "aria-label": this.strings.rate("1–5") });
        for (let n = 1; n <= 5; n += 1) {
          const reply = replies[ratings.findIndex((m) => Number(m[1]) === n)];
          if (!reply) continue;
          const star = el("button", { type: "button", "aria-label": this.strings.rate(n), "data-rating": String(n) }, "★");
          star.addEventListener("mouseenter", () => {
            stars.querySelectorAll("button").forEach((b) => b.classList.toggle("lit", Number(b.dataset.rating) <= n));
          });
          star.addEventListener("click", () => this.send(reply.payload, { display: this.strings.rated(n), payload: reply.payload }));
          stars.append(star);
        }
        return stars;
      }
      const box = el("div", { class: "replies", part: "replies", role: "group" });
      for (const reply of replies) {
        const button = el("button", { type: "button" }, reply.title);
        button.addEventListener("click", () => this.send(reply.payload, { display: reply.title, payload: reply.payload }));
        box.append(button);
      }
      return box;
    }
  }

  window.ShopdeskChat = ShopdeskChat;
  ShopdeskChat.define();
})();
