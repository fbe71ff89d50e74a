// The lab's page: the catalog, a demo's flags, its run streamed over
// Server-Sent Events into a LabTimeline, its fault buttons, the history.
(function () {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  var state = { modules: [], servers: [], active: {}, current: null, flags: [], source: null, run: null, timeline: null, offers: {} };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  // message shows a message on the page (kind: "error" or "info").
  function message(text, kind) {
    var m = $("msg");
    m.textContent = text;
    m.className = kind || "error";
    m.hidden = !text;
  }

  function api(method, path, body) {
    var init = { method: method, headers: {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) throw new Error(j.error || ("HTTP " + r.status));
        return j;
      });
    });
  }

  function show(section) {
    ["home", "module", "history", "replay"].forEach(function (s) { $(s).hidden = s !== section; });
  }

  function loadModules() {
    return api("GET", "/api/modules").then(function (j) {
      state.modules = j.modules;
      state.servers = j.servers;
      state.active = j.active || {};
      var nav = $("modules");
      nav.innerHTML = "";
      var kinds = {};
      j.modules.forEach(function (m) { (kinds[m.kind] = kinds[m.kind] || []).push(m); });
      Object.keys(kinds).forEach(function (k) {
        nav.appendChild(el("h2", null, k));
        var ul = el("ul");
        kinds[k].forEach(function (m) {
          var li = el("li");
          var a = el("a", null, m.title || m.name);
          a.href = "#/m/" + m.name;
          a.dataset.module = m.name;
          li.appendChild(a);
          var tags = el("small", null, " " + m.level + (state.active[m.name] ? " · running" : "") + (m.missing.length ? " · needs a build" : ""));
          li.appendChild(tags);
          li.appendChild(el("p", null, m.summary));
          ul.appendChild(li);
        });
        nav.appendChild(ul);
      });
      var g = $("servers-global");
      g.innerHTML = "";
      g.appendChild(el("h2", null, "Servers the demos use"));
      var ul2 = el("ul");
      j.servers.forEach(function (s) {
        ul2.appendChild(el("li", s.embedded ? "embedded" : "external",
          s.name + ": " + (s.embedded ? "embedded (" + s.env + " is unset): " + s.where : "from " + s.env + " = " + s.where)));
      });
      g.appendChild(ul2);
      g.appendChild(el("p", "muted", "Set NATS_URL, TEMPORAL_ADDRESS or KUBECONFIG before `make lab` to point the demos at real servers; each demo also says on its first lines which servers it uses."));
    });
  }

  function route() {
    message("");
    var h = location.hash.replace(/^#\/?/, "");
    var parts = h.split("/");
    if (parts[0] === "m" && parts[1]) return openModule(decodeURIComponent(parts[1]));
    if (parts[0] === "history") return openHistory();
    if (parts[0] === "replay" && parts[1]) return openReplay(decodeURIComponent(parts[1]));
    show("home");
  }

  function findModule(name) {
    for (var i = 0; i < state.modules.length; i++) if (state.modules[i].name === name) return state.modules[i];
    return null;
  }

  function openModule(name) {
    var m = findModule(name);
    detach();
    if (!m) {
      show("home");
      message("No module named \u201c" + name + "\u201d. The modules are: " + state.modules.map(function (x) { return x.name; }).join(", ") + ".");
      return;
    }
    state.current = m;
    show("module");
    Array.prototype.forEach.call(document.querySelectorAll("#modules a"), function (a) {
      a.classList.toggle("current", a.dataset.module === name);
    });
    $("m-title").textContent = m.title;
    $("m-summary").textContent = m.summary;
    $("m-invariant").textContent = m.invariant;
    var miss = $("m-missing");
    miss.innerHTML = "";
    m.missing.forEach(function (t) {
      miss.appendChild(el("p", "notice", "Needs " + t + ". Start builds it first (its progress appears below), or run it in a terminal."));
    });
    var sw = $("m-switches");
    sw.innerHTML = "";
    m.switches.forEach(function (s) {
      var li = el("li");
      var b = el("button", "switch", s.flag);
      b.type = "button";
      b.title = "set " + s.flag + " in the form";
      b.addEventListener("click", function () { applySwitch(s.flag); });
      li.appendChild(b);
      li.appendChild(el("span", null, " turns off " + s.breaks + "; the verdict must show \u201c" + s.evidence + "\u201d"));
      sw.appendChild(li);
    });
    $("m-switches-box").hidden = !m.switches.length;
    $("timeline").innerHTML = "";
    $("run-state").textContent = "";
    setOffers({});
    setRunning(false);
    loadFlags(m);
    var active = state.active[m.name];
    if (active) attach(active.id, true);
  }

  function loadFlags(m) {
    var list = $("flag-list");
    list.innerHTML = "";
    list.appendChild(el("p", "muted", "reading the flags from the demo binary (its first build downloads its modules: a minute or more)…"));
    state.flags = [];
    api("GET", "/api/modules/" + encodeURIComponent(m.name) + "/flags").then(function (j) {
      if (state.current !== m) return;
      state.flags = j.flags;
      list.innerHTML = "";
      j.flags.forEach(function (f) {
        var row = el("label", "flag");
        row.appendChild(el("code", null, "-" + f.name));
        var input = el("input");
        input.name = f.name;
        input.dataset.default = f.default;
        if (f.bool) {
          input.type = "checkbox";
          input.checked = f.default === "true";
        } else {
          input.value = f.default;
          input.size = Math.min(40, Math.max(8, f.default.length + 2));
        }
        input.addEventListener("input", updateCmdline);
        input.addEventListener("change", updateCmdline);
        row.appendChild(input);
        row.appendChild(el("span", "usage", f.usage));
        list.appendChild(row);
      });
      updateCmdline();
    }).catch(function (err) {
      if (state.current !== m) return;
      list.innerHTML = "";
      list.appendChild(el("p", "error", "Could not read the demo's flags: " + err.message));
    });
  }

  // args are the flags whose value differs from the default, as -name=value.
  function args() {
    var out = [];
    Array.prototype.forEach.call(document.querySelectorAll("#flag-list input"), function (i) {
      var v = i.type === "checkbox" ? String(i.checked) : i.value;
      if (v !== i.dataset.default) out.push("-" + i.name + "=" + v);
    });
    return out;
  }

  function updateCmdline() {
    var a = args();
    $("cmdline").textContent = "make demo P=" + state.current.name + (a.length ? " ARGS='" + a.join(" ") + "'" : "");
  }

  function applySwitch(flag) {
    var m = flag.replace(/^-+/, "").split("=");
    var input = document.querySelector('#flag-list input[name="' + m[0] + '"]');
    if (!input) { message("The demo has no flag " + m[0] + " (pattern.yaml names it as a switch)."); return; }
    if (input.type === "checkbox") input.checked = m.length < 2 ? true : m[1] === "true";
    else input.value = m[1] || "";
    updateCmdline();
  }

  function setRunning(running) {
    $("start").disabled = running;
    $("stop").disabled = !running;
    document.querySelectorAll("#fault-buttons button").forEach(function (b) { b.disabled = !running; });
  }

  function setOffers(offers) {
    state.offers = offers;
    var box = $("fault-buttons");
    box.innerHTML = "";
    var names = Object.keys(offers).sort();
    $("no-offers").hidden = names.length > 0;
    names.forEach(function (n) {
      var o = offers[n];
      var b = el("button", "fault", n.replace(/-/g, " "));
      b.type = "button";
      b.dataset.fault = n;
      b.title = (o.actor ? "[" + o.actor + "] " : "") + (o.what || "");
      b.addEventListener("click", function () { sendFault(n); });
      var wrap = el("span", "offer");
      wrap.appendChild(b);
      wrap.appendChild(el("small", null, o.what || ""));
      box.appendChild(wrap);
    });
  }

  function sendFault(name) {
    if (!state.current) return;
    api("POST", "/api/modules/" + encodeURIComponent(state.current.name) + "/fault", { name: name }).then(function () {
      message("Fault " + name + " sent: the demo's answer appears in the narration.", "info");
    }).catch(function (err) { message(err.message); });
  }

  function detach() {
    if (state.source) state.source.close();
    state.source = null;
    state.run = null;
  }

  // attach streams a run's events into a fresh timeline.
  function attach(id, live) {
    detach();
    state.run = id;
    var tl = new window.LabTimeline.Timeline($("timeline"), { live: live });
    state.timeline = tl;
    var offers = {};
    setOffers(offers);
    setRunning(live);
    $("run-state").textContent = "run " + id;
    var src = new EventSource("/api/runs/" + encodeURIComponent(id) + "/events");
    state.source = src;
    var batch = [];
    var flush = function () {
      if (batch.length) { tl.add(batch); batch = []; }
    };
    var flushTimer = null;
    src.onmessage = function (ev) {
      var e = JSON.parse(ev.data);
      batch.push(e);
      if (!flushTimer) flushTimer = setTimeout(function () { flushTimer = null; flush(); }, 50);
      if (e.kind === "control" && e.fields) {
        if (e.fields.offer) { offers[e.fields.offer] = { actor: e.actor, what: e.fields.what }; setOffers(offers); setRunning(true); }
        if (e.fields.withdraw) { delete offers[e.fields.withdraw]; setOffers(offers); setRunning(true); }
        if (e.fields.request && !e.fields.ok) message("The demo refused \u201c" + e.fields.request + "\u201d: " + e.fields.error);
      }
      if (e.kind === "exit") { flush(); onExit(e); }
    };
    src.addEventListener("end", function () {
      flush();
      src.close();
      tl.setLive(false);
      setRunning(false);
      loadModules();
    });
    src.onerror = function () {
      // EventSource reconnects by itself (Last-Event-ID resumes the stream)
    };
  }

  function onExit(e) {
    var refused = e.fields && e.fields.refused;
    var code = e.fields ? e.fields.code : "?";
    if (refused) {
      var lines = state.timeline.events.filter(function (x) { return x.kind === "stderr"; }).map(function (x) { return x.text; });
      message("The demo refused these flags (exit status 2): " + (lines.join(" ") || "see the narration") + ". Nothing was run and nothing was recorded.");
      $("run-state").textContent = "refused";
    } else {
      $("run-state").textContent = "run " + state.run + " ended with exit status " + code + (code === 0 ? " (HELD)" : code === 1 ? " (VIOLATED)" : "");
    }
    setOffers({});
  }

  function start(ev) {
    ev.preventDefault();
    var m = state.current;
    if (!m) return;
    message("");
    var a = args();
    api("POST", "/api/modules/" + encodeURIComponent(m.name) + "/runs", { args: a }).then(function (st) {
      state.active[m.name] = st;
      attach(st.id, true);
    }).catch(function (err) { message(err.message); });
  }

  function stop() {
    if (!state.current) return;
    api("POST", "/api/modules/" + encodeURIComponent(state.current.name) + "/stop", {}).then(function () {
      message("Stop sent: the demo deletes what it created, then ends.", "info");
    }).catch(function (err) { message(err.message); });
  }

  function openHistory() {
    detach();
    show("history");
    var body = document.querySelector("#history-table tbody");
    body.innerHTML = "";
    api("GET", "/api/runs").then(function (j) {
      if (!j.history.length) body.appendChild(el("tr", null, "no run yet"));
      j.history.forEach(function (h) {
        var tr = el("tr");
        tr.appendChild(el("td", null, new Date(h.started).toLocaleString()));
        tr.appendChild(el("td", null, h.module));
        tr.appendChild(el("td", null, h.args.join(" ") || "(defaults)"));
        tr.appendChild(el("td", h.verdict === "HELD" ? "ok" : h.verdict ? "bad" : "", h.verdict || (h.exit === null ? "running" : "none")));
        tr.appendChild(el("td", null, String(h.events)));
        var td = el("td");
        var r = el("a", null, "replay");
        r.href = "#/replay/" + encodeURIComponent(h.id);
        var d = el("a", null, "download");
        d.href = "/api/runs/" + encodeURIComponent(h.id) + "/history";
        td.appendChild(r);
        td.appendChild(document.createTextNode(" · "));
        td.appendChild(d);
        tr.appendChild(td);
        body.appendChild(tr);
      });
    }).catch(function (err) { message(err.message); });
  }

  function replayText(title, text) {
    var evs;
    try {
      evs = window.LabTimeline.parseJSONL(text);
    } catch (err) {
      message("Not a history file: " + err.message);
      return;
    }
    if (!evs.length || evs[0].kind !== "run") {
      message("Not a history file: its first line is not the lab's run header.");
      return;
    }
    show("replay");
    $("r-title").textContent = title;
    window.LabTimeline.Replay($("replay-view"), evs, { start: 0 });
  }

  function openReplay(id) {
    detach();
    var href = "/api/runs/" + encodeURIComponent(id) + "/history";
    fetch(href).then(function (r) {
      return r.text().then(function (t) {
        if (!r.ok) { var j = {}; try { j = JSON.parse(t); } catch (e) { /* not JSON */ } throw new Error(j.error || ("HTTP " + r.status)); }
        return t;
      });
    }).then(function (text) {
      $("r-download").href = href;
      $("r-download").hidden = false;
      replayText("Replay of " + id, text);
    }).catch(function (err) { show("history"); message(err.message); });
  }

  $("flags").addEventListener("submit", start);
  $("stop").addEventListener("click", stop);
  $("reset").addEventListener("click", function () {
    document.querySelectorAll("#flag-list input").forEach(function (i) {
      if (i.type === "checkbox") i.checked = i.dataset.default === "true"; else i.value = i.dataset.default;
    });
    updateCmdline();
  });
  $("custom-fault").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var n = $("custom-name").value.trim();
    if (!n) { message("Name a fault to send."); return; }
    sendFault(n);
  });
  $("upload").addEventListener("change", function () {
    var f = this.files[0];
    if (!f) return;
    f.text().then(function (t) {
      $("r-download").hidden = true;
      replayText("Replay of " + f.name, t);
    });
  });
  window.addEventListener("hashchange", route);
  loadModules().then(route).catch(function (err) { message("Could not load the modules: " + err.message); });
  window.lab = { state: state, sendFault: sendFault, message: message };
})();
