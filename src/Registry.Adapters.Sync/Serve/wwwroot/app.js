// mesh-sync dashboard: one page, no build step, no dependencies. Live over /v1/watch (Server-Sent Events).
"use strict";

(() => {
  const MAX_ROWS = 500;
  const HEALTHS = ["healthy", "unhealthy", "starting", "draining", "unknown"];
  const state = {
    revision: null,
    services: new Map(), // name -> { name, instances }
    registries: [],
    conflicts: [],
    selected: null,
    source: null,
    retryTimer: null,
    retryDelay: 1000,
  };

  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };

  // ---- connection ----------------------------------------------------------------------------------------

  function setConnection(kind, text) {
    const conn = $("conn");
    conn.className = "conn " + kind;
    conn.dataset.state = kind;
    $("conn-text").textContent = text;
  }

  async function start() {
    const probe = await fetch("v1/registries", { cache: "no-store", credentials: "same-origin" }).catch(() => null);
    if (probe && probe.status === 401) {
      setConnection("disconnected", "token required");
      $("token-form").hidden = false;
      $("token-input").focus();
      return;
    }

    connect();
  }

  function connect() {
    clearTimeout(state.retryTimer);
    if (state.source) state.source.close();
    setConnection("connecting", state.revision === null ? "connecting…" : "reconnecting…");
    const source = new EventSource("v1/watch");
    state.source = source;
    source.onopen = () => {
      state.retryDelay = 1000;
      setConnection("live", "live");
    };
    source.onmessage = (event) => {
      setConnection("live", "live");
      for (const line of event.data.split("\n")) {
        if (line.length > 0) apply(JSON.parse(line));
      }
      scheduleRender();
    };
    source.onerror = () => {
      setConnection("disconnected", "disconnected, retrying");
      if (source.readyState === EventSource.CLOSED) {
        // The server refused the stream (for example 503: too many clients); the browser gave up, so retry ourselves.
        state.retryTimer = setTimeout(connect, state.retryDelay);
        state.retryDelay = Math.min(state.retryDelay * 2, 30000);
      }
    };
  }

  function apply(message) {
    switch (message.type) {
      case "snapshot":
        state.services = new Map(message.services.map((s) => [s.name, s]));
        state.registries = message.registries;
        state.conflicts = message.conflicts || [];
        state.revision = message.revision;
        break;
      case "added":
      case "updated":
        state.services.set(message.service.name, message.service);
        state.revision = Math.max(state.revision ?? 0, message.revision);
        break;
      case "removed":
        state.services.delete(message.service.name);
        state.revision = Math.max(state.revision ?? 0, message.revision);
        break;
      case "registries":
        state.registries = message.registries;
        state.conflicts = message.conflicts || [];
        state.revision = Math.max(state.revision ?? 0, message.revision);
        break;
      default:
        break;
    }
  }

  // ---- rendering -----------------------------------------------------------------------------------------

  let renderQueued = false;
  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => {
      renderQueued = false;
      render();
    });
  }

  function render() {
    $("revision").textContent = state.revision ?? "–";
    const instances = [...state.services.values()].reduce((n, s) => n + s.instances.length, 0);
    $("summary").textContent = `${state.services.size} services · ${instances} instances`;
    document.body.dataset.revision = state.revision ?? "";
    renderRegistries();
    renderConflicts();
    renderRegistryFilter();
    renderServices();
    renderDetail();
  }

  function ago(iso) {
    if (!iso) return "–";
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (seconds < 60) return `${seconds}s ago`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
    if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
    return `${Math.floor(seconds / 86400)}d ago`;
  }

  function renderRegistries() {
    const root = $("registries");
    root.replaceChildren(...state.registries.map((r) => el("article", { class: `registry ${r.state}`, role: "listitem", "data-registry": r.name },
      el("div", { class: "line" },
        el("span", { class: "name", text: r.name }),
        el("span", { class: `badge state ${r.state}`, text: r.state })),
      el("div", { class: "kind", text: r.kind + (r.heldBack ? " · snapshot held back" : "") }),
      el("div", { class: "stats" },
        el("span", {}, el("b", { text: r.services }), " services"),
        el("span", {}, el("b", { text: r.instances }), " instances"),
        r.skipped ? el("span", {}, el("b", { text: r.skipped }), " skipped") : null,
        el("span", { title: r.lastChange ? `last change ${r.lastChange}` : "", class: "changed", text: "changed " + ago(r.lastChange) })),
      r.error ? el("div", { class: "error", text: r.error + (r.since ? ` (since ${new Date(r.since).toLocaleTimeString()})` : "") }) : null)));
  }

  function renderConflicts() {
    $("conflicts-section").hidden = state.conflicts.length === 0;
    $("conflicts").replaceChildren(...state.conflicts.map((c) => el("li", {},
      el("b", { text: c.meshName }), " ← ",
      c.sourceNames.map((n, i) => el("code", { text: n + (i < c.sourceNames.length - 1 ? ", " : "") })),
      el("span", { class: "hint", text: ` in ${c.registry} (kept: ${c.sourceNames[0]})` }))));
  }

  function renderRegistryFilter() {
    const select = $("filter-registry");
    const names = state.registries.map((r) => r.name);
    const existing = [...select.options].slice(1).map((o) => o.value);
    if (names.join("\u0000") === existing.join("\u0000")) return;
    const value = select.value;
    select.replaceChildren(el("option", { value: "", text: "all" }), ...names.map((n) => el("option", { value: n, text: n })));
    select.value = names.includes(value) ? value : "";
  }

  function healthCounts(instances) {
    const counts = Object.fromEntries(HEALTHS.map((h) => [h, 0]));
    for (const i of instances) counts[HEALTHS.includes(i.health) ? i.health : "unknown"]++;
    return counts;
  }

  function matches(service, filter) {
    if (filter.name && !service.name.includes(filter.name)) return false;
    const instances = filter.registry ? service.instances.filter((i) => i.registry === filter.registry) : service.instances;
    if (filter.registry && instances.length === 0) return false;
    if (filter.health === "not-healthy" && instances.every((i) => i.health === "healthy")) return false;
    if (filter.health && filter.health !== "not-healthy" && !instances.some((i) => i.health === filter.health)) return false;
    if (filter.stale && !instances.some((i) => i.stale)) return false;
    return true;
  }

  function currentFilter() {
    return {
      name: $("filter-name").value.trim().toLowerCase(),
      registry: $("filter-registry").value,
      health: $("filter-health").value,
      stale: $("filter-stale").checked,
    };
  }

  function renderServices() {
    const filter = currentFilter();
    const all = [...state.services.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const shown = all.filter((s) => matches(s, filter));
    const rows = shown.slice(0, MAX_ROWS).map(serviceRow);
    const tbody = $("services").tBodies[0];
    const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.service : null;
    tbody.replaceChildren(...rows);
    if (focused) {
      const again = tbody.querySelector(`tr[data-service="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }

    $("empty").hidden = shown.length > 0 || all.length === 0;
    $("shown").textContent = shown.length === all.length
      ? `${all.length} services`
      : `${shown.length} of ${all.length} services`;
    if (shown.length > MAX_ROWS) $("shown").textContent += ` · first ${MAX_ROWS} shown, refine the filter`;
  }

  function serviceRow(service) {
    const counts = healthCounts(service.instances);
    const total = service.instances.length;
    const stale = service.instances.filter((i) => i.stale).length;
    const perRegistry = new Map();
    for (const i of service.instances) perRegistry.set(i.registry, (perRegistry.get(i.registry) || 0) + 1);
    const row = el("tr", {
      tabindex: "0",
      "data-service": service.name,
      "aria-selected": state.selected === service.name ? "true" : "false",
      class: stale ? "has-stale" : null,
    },
    el("td", { class: "svc" }, service.name, stale ? el("span", { class: "badge stale", title: `${stale} stale instance(s)`, text: "stale" }) : null),
    el("td", { class: "num", text: total }),
    el("td", {}, el("div", { class: "chips" }, [...perRegistry].map(([r, n]) => el("span", { class: "chip" }, r, " ", el("b", { text: n }))))),
    el("td", {}, el("div", { class: "health", title: HEALTHS.filter((h) => counts[h]).map((h) => `${counts[h]} ${h}`).join(", ") },
      el("div", { class: "bar", "aria-hidden": "true" }, HEALTHS.filter((h) => counts[h]).map((h) => {
        const span = el("span", { class: h });
        span.style.width = `${(100 * counts[h]) / Math.max(total, 1)}%`;
        return span;
      })),
      el("small", { text: total === 0 ? "no instances" : `${counts.healthy}/${total} healthy` }))));
    row.addEventListener("click", () => select(service.name));
    return row;
  }

  function renderDetail() {
    const service = state.selected ? state.services.get(state.selected) : null;
    $("detail-empty").hidden = !!service;
    $("detail-body").hidden = !service;
    if (!service) return;
    $("detail-title").textContent = service.name;
    const registries = [...new Set(service.instances.map((i) => i.registry))];
    const stale = service.instances.filter((i) => i.stale).length;
    $("detail-meta").textContent = `${service.instances.length} instances from ${registries.join(", ") || "no registry"}`
      + (stale ? ` · ${stale} stale (last-known-good, their registry is failing)` : "");
    $("instances").replaceChildren(...service.instances.map(instanceCard));
  }

  function instanceCard(i) {
    const registry = state.registries.find((r) => r.name === i.registry);
    const ports = (i.ports || []).map((p) => `${p.name || "port"} ${p.port}${p.protocol ? "/" + p.protocol : ""}`);
    const metadata = Object.entries(i.metadata || {});
    return el("article", { class: "instance" + (i.stale ? " is-stale" : ""), "data-instance": i.id },
      el("div", { class: "head" },
        el("span", { class: "id", text: i.id }),
        el("span", {},
          i.stale ? el("span", { class: "badge stale", text: "stale" }) : null, " ",
          el("span", { class: `badge ${i.health}`, text: i.health }))),
      el("dl", {},
        el("dt", { text: "registry" }), el("dd", {}, i.registry, provenance(i, registry) ? el("span", { class: "muted", text: ` (${provenance(i, registry)})` }) : null),
        el("dt", { text: "host" }), el("dd", { class: "mono", text: i.host }),
        el("dt", { text: "ports" }), el("dd", {}, el("div", { class: "kv" }, ports.length ? ports.map((p) => el("span", { text: p })) : "–")),
        el("dt", { text: "zone" }), el("dd", { text: i.zone || "–" }),
        el("dt", { text: "tags" }), el("dd", {}, el("div", { class: "kv" }, (i.tags || []).length ? i.tags.map((t) => el("span", { text: t })) : "–")),
        el("dt", { text: "metadata" }), el("dd", {}, el("div", { class: "kv" }, metadata.length ? metadata.map(([k, v]) => el("span", { text: `${k}=${v ?? ""}` })) : "–"))),
      i.stale ? el("p", { class: "stale-note", text: `Last-known-good record: ${i.registry} is ${registry ? registry.state : "failing"}`
        + (registry && registry.since ? ` since ${new Date(registry.since).toLocaleTimeString()}` : "") + "." }) : null);
  }

  function provenance(i, registry) {
    const parts = [];
    if (registry && registry.kind !== registry.name) parts.push(registry.kind);
    if (i.service && i.service !== state.selected) parts.push("as " + i.service);
    return parts.join(", ");
  }

  function select(name) {
    state.selected = name;
    if (name) history.replaceState(null, "", "#service=" + encodeURIComponent(name));
    else history.replaceState(null, "", location.pathname);
    for (const row of $("services").tBodies[0].rows) row.setAttribute("aria-selected", row.dataset.service === name ? "true" : "false");
    renderDetail();
  }

  // ---- input ---------------------------------------------------------------------------------------------

  function wire() {
    for (const id of ["filter-name", "filter-registry", "filter-health", "filter-stale"]) {
      $(id).addEventListener("input", () => renderServices());
      $(id).addEventListener("change", () => renderServices());
    }

    $("detail-close").addEventListener("click", () => {
      const name = state.selected;
      select(null);
      const row = name && $("services").querySelector(`tr[data-service="${CSS.escape(name)}"]`);
      if (row) row.focus();
    });

    $("services").tBodies[0].addEventListener("keydown", (event) => {
      const row = event.target.closest("tr");
      if (!row) return;
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        select(row.dataset.service);
      } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const next = event.key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling;
        if (next) next.focus();
      }
    });

    document.addEventListener("keydown", (event) => {
      const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
      if (event.key === "/" && !typing) {
        event.preventDefault();
        $("filter-name").focus();
      } else if (event.key === "Escape") {
        if (document.activeElement === $("filter-name") && $("filter-name").value) {
          $("filter-name").value = "";
          renderServices();
        } else if (state.selected) {
          $("detail-close").click();
        }
      }
    });

    $("token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const token = $("token-input").value.trim();
      document.cookie = `mesh_sync_token=${encodeURIComponent(token)}; path=/; SameSite=Strict`;
      $("token-form").hidden = true;
      start();
    });

    const hash = new URLSearchParams(location.hash.slice(1)).get("service");
    if (hash) state.selected = hash;
    setInterval(() => { if (state.registries.length) renderRegistries(); }, 5000);
  }

  wire();
  start();
})();
