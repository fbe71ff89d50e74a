// The timeline of one run of a demo: its narration, a sequence (Lamport)
// diagram of its message events, charts of its sample events, the links it
// printed and its verdict, from the events of kit/narrate plus the lab's
// own (run, build, stderr, lab, exit). The lab draws a live run with it;
// the lab's replay and the docs' recorded runs add a time slider.
//
// Plain JavaScript, no framework: the page is a handful of panels fed by an
// event list. uPlot (npm, vendored) draws the charts when it is loaded.
(function () {
  "use strict";

  var LABELS = {
    en: {
      narration: "Narration", sequence: "Messages (sequence diagram)", charts: "Series",
      verdict: "Verdict", links: "Links", servers: "Servers", noMessages: "no message events yet",
      noSamples: "no series yet", noVerdict: "no verdict yet", exit: "exit status",
      redelivery: "redelivery of", more: "more messages not drawn", play: "Play", pause: "Pause",
      time: "time", ended: "the run has ended: its servers are gone", embedded: "embedded",
      from: "from", recorded: "Recorded run", args: "flags", none: "(defaults)",
      demoSays: "the demo says", checks: "checks", failed: "failed", speed: "speed",
    },
    zh: {
      narration: "叙述", sequence: "消息（时序图）", charts: "指标序列",
      verdict: "结论", links: "链接", servers: "服务器", noMessages: "暂无消息事件",
      noSamples: "暂无指标序列", noVerdict: "尚无结论", exit: "退出码",
      redelivery: "重投递", more: "条消息未画出", play: "播放", pause: "暂停",
      time: "时间", ended: "运行已结束：其服务器已关闭", embedded: "内嵌",
      from: "来自", recorded: "录制的运行", args: "参数", none: "（默认）",
      demoSays: "演示的说明", checks: "检查", failed: "失败", speed: "速度",
    },
  };

  function labels() {
    var lang = (document.documentElement.lang || "en").toLowerCase();
    return lang.indexOf("zh") === 0 ? LABELS.zh : LABELS.en;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  var SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // parseJSONL reads a history file's text into events.
  function parseJSONL(text) {
    var out = [];
    text.split("\n").forEach(function (line, i) {
      line = line.trim();
      if (!line) return;
      var e;
      try {
        e = JSON.parse(line);
      } catch (err) {
        throw new Error("line " + (i + 1) + " is not JSON: " + err.message);
      }
      if (e === null || typeof e !== "object" || Array.isArray(e) || typeof e.kind !== "string") {
        throw new Error("line " + (i + 1) + " is not an event (an object with a kind)");
      }
      out.push(e);
    });
    return out;
  }

  var URL_RE = /https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?[^\s,;)"']*/g;
  var SERVER_RE = /nats|temporal|kube|envtest|etcd|server|NATS_URL|TEMPORAL_ADDRESS|KUBECONFIG/i;
  var MAX_ROWS = 4000;
  var ROW = 18, LANE = 150, TOP = 28, LEFT = 70;

  function fmtTime(ms) {
    return "+" + (ms / 1000).toFixed(ms < 10000 ? 3 : 1) + "s";
  }

  // Timeline renders events into root.
  function Timeline(root, opts) {
    opts = opts || {};
    this.L = labels();
    this.root = root;
    this.events = [];
    this.t0 = null;
    this.cursor = null; // null: everything (live); else ms since the first event
    this.live = !!opts.live;
    root.classList.add("lab-timeline");
    root.innerHTML = "";
    var L = this.L;
    this.head = el("div", "lt-head");
    this.verdict = el("div", "lt-verdict lt-pending", L.noVerdict);
    this.servers = el("div", "lt-servers");
    this.links = el("div", "lt-links");
    this.head.appendChild(this.verdict);
    this.head.appendChild(this.servers);
    this.head.appendChild(this.links);
    root.appendChild(this.head);
    var grid = el("div", "lt-grid");
    var nar = el("section", "lt-panel lt-narration-panel");
    nar.appendChild(el("h3", null, L.narration));
    this.narration = el("ol", "lt-narration");
    nar.appendChild(this.narration);
    var seq = el("section", "lt-panel lt-sequence-panel");
    seq.appendChild(el("h3", null, L.sequence));
    this.sequence = el("div", "lt-sequence");
    this.sequence.appendChild(el("p", "lt-empty", L.noMessages));
    seq.appendChild(this.sequence);
    var ch = el("section", "lt-panel lt-charts-panel");
    ch.appendChild(el("h3", null, L.charts));
    this.charts = el("div", "lt-charts");
    this.charts.appendChild(el("p", "lt-empty", L.noSamples));
    ch.appendChild(this.charts);
    grid.appendChild(nar);
    grid.appendChild(seq);
    grid.appendChild(ch);
    root.appendChild(grid);
    this.series = {}; // name -> {unit, xs, ys, plot, box}
    this.seriesOrder = [];
    this.pending = false;
    this.follow = true;
    var self = this;
    this.narration.addEventListener("scroll", function () {
      var n = self.narration;
      self.follow = n.scrollTop + n.clientHeight >= n.scrollHeight - 30;
    });
  }

  Timeline.prototype.t = function (e) {
    var t = Date.parse(e.time);
    if (isNaN(t)) t = this.t0 === null ? 0 : this.t0;
    if (this.t0 === null) this.t0 = t;
    return t - this.t0;
  };

  // duration is the time of the last event, in ms from the first.
  Timeline.prototype.duration = function () {
    if (!this.events.length) return 0;
    return this.events[this.events.length - 1]._t;
  };

  // word is a field as a label: "?" when a module left it out.
  function word(v) {
    if (v === undefined || v === null || v === "") return "?";
    return typeof v === "string" ? v : JSON.stringify(v);
  }

  // tidy makes an event of any module drawable: a message's ends and words
  // become strings, a sample without a series name or a numeric value is
  // no point of a chart, fields that are not an object are none.
  function tidy(e) {
    if (e.fields === null || typeof e.fields !== "object" || Array.isArray(e.fields)) e.fields = undefined;
    var f = e.fields;
    if (e.kind === "message") {
      f = e.fields = f || {};
      f.from = word(f.from); f.to = word(f.to); f.what = word(f.what);
      f.id = f.id === undefined || f.id === null ? "" : String(f.id);
    }
    if (e.kind === "sample" && !(f && typeof f.series === "string" && f.series !== "" && isFinite(Number(f.value)) && f.value !== null && f.value !== "")) {
      e.kind = "sample-ignored";
    }
    if (e.kind === "run" && f) {
      if (!Array.isArray(f.args)) f.args = [];
      if (!Array.isArray(f.servers)) f.servers = undefined;
    }
    if (e.kind === "exit" && !f) e.fields = { code: "?" };
    if (typeof e.text !== "string") e.text = e.text === undefined || e.text === null ? "" : String(e.text);
    return e;
  }

  // add appends events (in order) and schedules a redraw.
  Timeline.prototype.add = function (evs) {
    for (var i = 0; i < evs.length; i++) {
      var e = tidy(evs[i]);
      e._t = this.t(e);
      this.events.push(e);
      this.narrate(e);
      if (e.kind === "sample" && e.fields) {
        var name = String(e.fields.series);
        var s = this.series[name];
        if (!s) {
          s = this.series[name] = { unit: typeof e.fields.unit === "string" ? e.fields.unit : "", xs: [], ys: [] };
          this.seriesOrder.push(name);
        }
        s.xs.push(e._t / 1000);
        s.ys.push(Number(e.fields.value));
      }
    }
    this.schedule();
  };

  Timeline.prototype.setLive = function (live) {
    this.live = live;
    this.schedule();
  };

  Timeline.prototype.setCursor = function (ms) {
    this.cursor = ms;
    var rows = this.narration.children;
    for (var i = 0; i < rows.length; i++) {
      rows[i].hidden = ms !== null && Number(rows[i].dataset.t) > ms;
    }
    this.schedule(true);
  };

  Timeline.prototype.visible = function (e) {
    return this.cursor === null || e._t <= this.cursor;
  };

  // narrate adds the event's narration row, if it has text.
  Timeline.prototype.narrate = function (e) {
    var text = e.text;
    var cls = "k-" + e.kind;
    if (e.kind === "control" && e.fields && e.fields.request) {
      text = "[" + (e.actor || "lab") + "] " + e.fields.request + ": " + (e.fields.ok ? "ok" : e.fields.error);
      cls += e.fields.ok ? " ok" : " bad";
    }
    if (!text) return;
    if ((e.kind === "check" || e.kind === "invariant" || e.kind === "exit") && e.ok !== undefined && e.ok !== null) {
      cls += e.ok ? " ok" : " bad";
    }
    var li = el("li", cls);
    li.dataset.t = e._t;
    li.appendChild(el("span", "lt-t", fmtTime(e._t)));
    li.appendChild(el("span", "lt-text", text));
    li.hidden = this.cursor !== null && e._t > this.cursor;
    this.narration.appendChild(li);
  };

  Timeline.prototype.schedule = function (now) {
    if (this.pending) return;
    this.pending = true;
    var self = this;
    var run = function () {
      self.pending = false;
      self.draw();
    };
    // a timer, not requestAnimationFrame: a page that paints nothing else
    // (a headless browser, a tab in the background) still gets its redraw
    setTimeout(run, now || this.events.length < 500 ? 16 : 250);
  };

  Timeline.prototype.draw = function () {
    this.drawHead();
    this.drawSequence();
    this.drawCharts();
    if (this.cursor !== null) {
      // replaying: keep the last line shown in view
      var rows = this.narration.children, last = null;
      for (var i = 0; i < rows.length && !rows[i].hidden; i++) last = rows[i];
      if (last) this.narration.scrollTop = Math.max(0, last.offsetTop - this.narration.offsetTop - this.narration.clientHeight + last.offsetHeight + 4);
      this.sequence.scrollTop = this.sequence.scrollHeight;
    } else if (this.follow) {
      this.narration.scrollTop = this.narration.scrollHeight;
    }
  };

  // drawHead: the verdict, the servers and the links printed so far.
  Timeline.prototype.drawHead = function () {
    var L = this.L;
    var verdict = null, exit = null, header = null, ok = 0, bad = 0, setup = [];
    var links = [], seen = {};
    for (var i = 0; i < this.events.length; i++) {
      var e = this.events[i];
      if (!this.visible(e)) break;
      if (e.kind === "run") header = e;
      if (e.kind === "invariant") verdict = e;
      if (e.kind === "exit") exit = e;
      if (e.kind === "check") { if (e.ok) ok++; else bad++; }
      // the demo's own word on its servers: its first lines that name one
      if (i < 40 && (e.kind === "step" || e.kind === "measure") && SERVER_RE.test(e.text || "")) setup.push(e.text);
      if (e.text) {
        var m = e.text.match(URL_RE);
        if (m) m.forEach(function (u) {
          u = u.replace(/[.:]+$/, "");
          if (seen[u]) return;
          seen[u] = true;
          links.push({ url: u, text: e.text });
        });
      }
    }
    var v = this.verdict;
    v.innerHTML = "";
    if (verdict) {
      v.className = "lt-verdict " + (verdict.ok ? "held" : "violated");
      v.appendChild(el("strong", null, verdict.ok ? "HELD" : "VIOLATED"));
      v.appendChild(el("span", null, " " + verdict.text.replace(/^\[invariant\] (HELD|VIOLATED): /, "")));
    } else {
      v.className = "lt-verdict lt-pending";
      v.appendChild(el("span", null, L.noVerdict));
    }
    var meta = el("div", "lt-meta");
    meta.appendChild(el("span", null, L.checks + ": " + ok + " ok" + (bad ? ", " + bad + " " + L.failed : "")));
    if (exit) meta.appendChild(el("span", exit.ok ? "ok" : "bad", " · " + L.exit + " " + exit.fields.code));
    if (header && header.fields) {
      var args = header.fields.args && header.fields.args.length ? header.fields.args.join(" ") : L.none;
      meta.appendChild(el("span", null, " · " + L.args + ": " + args));
    }
    v.appendChild(meta);

    this.servers.innerHTML = "";
    if (header && header.fields && header.fields.servers) {
      this.servers.appendChild(el("h4", null, L.servers));
      var ul = el("ul");
      header.fields.servers.forEach(function (s) {
        var li = el("li", s.embedded ? "embedded" : "external");
        li.appendChild(el("strong", null, s.name + ": "));
        li.appendChild(el("span", null, s.embedded ? L.embedded + " (" + s.env + " unset): " + s.where : L.from + " " + s.env + " = " + s.where));
        ul.appendChild(li);
      });
      this.servers.appendChild(ul);
      if (setup.length) {
        var says = el("ul", "lt-says");
        setup.slice(0, 6).forEach(function (t) { says.appendChild(el("li", null, t)); });
        this.servers.appendChild(el("h4", null, L.demoSays));
        this.servers.appendChild(says);
      }
    }
    this.links.innerHTML = "";
    if (links.length) {
      this.links.appendChild(el("h4", null, L.links));
      var lu = el("ul");
      var live = this.live && this.cursor === null;
      links.forEach(function (k) {
        var li = el("li");
        var label = /Web UI|\/namespaces\//.test(k.text) ? "Temporal Web UI" : k.url;
        if (live) {
          var a = el("a", "lt-link", label);
          a.href = k.url;
          a.target = "_blank";
          a.rel = "noopener";
          li.appendChild(a);
        } else {
          li.appendChild(el("span", "lt-link dead", label + " (" + L.ended + ")"));
        }
        li.appendChild(el("small", null, " " + k.url));
        lu.appendChild(li);
      });
      this.links.appendChild(lu);
    }
  };

  // drawSequence: one lane per actor that sends or receives a message, one
  // row per message in the order they happened (a Lamport diagram: the
  // order, not the wall clock, is the vertical axis); acts and faults are
  // rows too. A message id seen before on the same path is a redelivery.
  Timeline.prototype.drawSequence = function () {
    var L = this.L;
    var lanes = [], laneOf = {};
    var rows = [], seen = {}, hidden = 0;
    var lane = function (a) {
      if (!(a in laneOf)) { laneOf[a] = lanes.length; lanes.push(a); }
      return laneOf[a];
    };
    var messages = 0;
    for (var i = 0; i < this.events.length; i++) {
      var e = this.events[i];
      if (!this.visible(e)) break;
      if (e.kind === "message" && e.fields) {
        messages++;
        var f = e.fields, key = f.from + ">" + f.to + ">" + f.id;
        var again = f.id !== "" && f.id !== undefined && seen[key];
        seen[key] = true;
        lane(String(f.from)); lane(String(f.to));
        if (rows.length >= MAX_ROWS) { hidden++; continue; }
        rows.push({ kind: "message", e: e, again: again || /redeliver/i.test(String(f.what)) });
      } else if ((e.kind === "act" || e.kind === "fault") && rows.length < MAX_ROWS) {
        rows.push({ kind: e.kind, e: e });
      }
    }
    var box = this.sequence;
    if (!messages) {
      if (!box.querySelector(".lt-empty")) { box.innerHTML = ""; box.appendChild(el("p", "lt-empty", L.noMessages)); }
      return;
    }
    var width = LEFT + Math.max(lanes.length, 2) * LANE;
    var height = TOP + rows.length * ROW + 10;
    var s = svg("svg", { width: width, height: height, "class": "lt-seq", role: "img" });
    lanes.forEach(function (a, k) {
      var x = LEFT + k * LANE + LANE / 2;
      s.appendChild(svg("line", { x1: x, y1: TOP - 6, x2: x, y2: height, "class": "lane" }));
      s.appendChild(svg("text", { x: x, y: 16, "class": "lane-name", "text-anchor": "middle" }, a));
    });
    var self = this;
    rows.forEach(function (r, k) {
      var y = TOP + k * ROW + ROW / 2;
      var e = r.e;
      s.appendChild(svg("text", { x: 4, y: y + 4, "class": "row-t" }, fmtTime(e._t)));
      if (r.kind === "act") {
        s.appendChild(svg("line", { x1: LEFT, y1: y, x2: width, y2: y, "class": "act" }));
        s.appendChild(svg("text", { x: LEFT + 4, y: y - 3, "class": "act-name" }, e.fields && e.fields.title || e.text));
        return;
      }
      if (r.kind === "fault") {
        var fx = e.actor in laneOf ? LEFT + laneOf[e.actor] * LANE + LANE / 2 : LEFT + 10;
        var g = svg("g", { "class": "fault" });
        g.appendChild(svg("circle", { cx: fx, cy: y, r: 6 }));
        g.appendChild(svg("text", { x: fx + 10, y: y + 4 }, e.text.replace(/^\[[^\]]*\] /, "")));
        s.appendChild(g);
        return;
      }
      var f = e.fields;
      var x1 = LEFT + laneOf[f.from] * LANE + LANE / 2, x2 = LEFT + laneOf[f.to] * LANE + LANE / 2;
      var cls = "msg" + (r.again ? " again" : "");
      var gm = svg("g", { "class": cls });
      if (x1 === x2) {
        gm.appendChild(svg("path", { d: "M" + x1 + "," + (y - 5) + " h18 v10 h-18", "class": "arrow" }));
      } else {
        gm.appendChild(svg("line", { x1: x1, y1: y, x2: x2 + (x2 > x1 ? -6 : 6), y2: y, "class": "arrow" }));
        var d = x2 > x1 ? -1 : 1;
        gm.appendChild(svg("path", { d: "M" + x2 + "," + y + " l" + (6 * d) + ",-4 v8 z", "class": "head" }));
      }
      var label = (r.again ? L.redelivery + " " : "") + f.what + (f.id ? " " + f.id : "");
      var lx = Math.min(x1, x2) + 8;
      gm.appendChild(svg("text", { x: lx, y: y - 3, "class": "msg-label" }, label));
      var title = svg("title", {}, fmtTime(e._t) + " " + f.from + " → " + f.to + ": " + label);
      gm.appendChild(title);
      s.appendChild(gm);
    });
    box.innerHTML = "";
    box.appendChild(s);
    if (hidden) box.appendChild(el("p", "lt-empty", hidden + " " + L.more));
    if (self.follow) box.scrollTop = box.scrollHeight;
  };

  // drawCharts: one small chart per series, x in seconds since the start.
  Timeline.prototype.drawCharts = function () {
    var L = this.L;
    if (!this.seriesOrder.length) return;
    var empty = this.charts.querySelector(".lt-empty");
    if (empty) empty.remove();
    var self = this;
    var limit = this.cursor === null ? Infinity : this.cursor / 1000;
    this.seriesOrder.forEach(function (name) {
      var s = self.series[name];
      var n = 0;
      while (n < s.xs.length && s.xs[n] <= limit) n++;
      var xs = s.xs.slice(0, n), ys = s.ys.slice(0, n);
      if (!s.box) {
        s.box = el("figure", "lt-chart");
        s.caption = el("figcaption", null, name);
        s.box.appendChild(s.caption);
        s.area = el("div");
        s.box.appendChild(s.area);
        self.charts.appendChild(s.box);
      }
      var last = ys.length ? ys[ys.length - 1] : null;
      s.caption.textContent = name + (s.unit ? " (" + s.unit + ")" : "") + (last !== null ? ": " + (+last.toFixed(2)) : "");
      if (typeof window.uPlot !== "function") {
        s.area.textContent = ys.length + " samples";
        return;
      }
      var data = [xs, ys];
      if (!s.plot) {
        var w = Math.max(260, Math.min(460, self.charts.clientWidth - 20 || 360));
        s.plot = new window.uPlot({
          width: w, height: 150,
          scales: { x: { time: false } },
          legend: { show: false },
          axes: [{ label: L.time + " (s)", size: 30, labelSize: 14 }, { size: 50 }],
          series: [{}, { label: name, stroke: "#3f51b5", width: 1.5, points: { show: false } }],
        }, data, s.area);
      } else {
        s.plot.setData(data);
      }
    });
  };

  // Replay draws a finished run with a time slider and a play button.
  function Replay(root, events, opts) {
    opts = opts || {};
    var L = labels();
    root.innerHTML = "";
    root.classList.add("lab-replay");
    var bar = el("div", "lt-slider");
    var play = el("button", "lt-play", L.play);
    play.type = "button";
    var speed = el("select", "lt-speed");
    [1, 5, 20].forEach(function (x) {
      var o = el("option", null, x + "×");
      o.value = x;
      speed.appendChild(o);
    });
    speed.value = "5";
    speed.title = L.speed;
    var range = el("input");
    range.type = "range";
    range.min = 0;
    range.step = 10;
    var label = el("span", "lt-now");
    bar.appendChild(play);
    bar.appendChild(speed);
    bar.appendChild(range);
    bar.appendChild(label);
    if (opts.title) root.appendChild(el("p", "lt-title", opts.title));
    root.appendChild(bar);
    var area = el("div");
    root.appendChild(area);
    var tl = new Timeline(area, { live: false });
    tl.add(events);
    var end = tl.duration();
    // the slider moves in steps of 10 ms: its last step must reach the end
    range.max = Math.max(Math.ceil(end / 10) * 10, 10);
    var set = function (ms) {
      range.value = ms;
      label.textContent = fmtTime(Math.min(ms, end)) + " / " + fmtTime(end);
      tl.setCursor(ms >= end ? null : ms);
    };
    set(opts.start === undefined ? Number(range.max) : opts.start);
    range.addEventListener("input", function () { stop(); set(Number(range.value)); });
    var timer = null, last = 0;
    function stop() {
      if (timer) cancelAnimationFrame(timer);
      timer = null;
      play.textContent = L.play;
    }
    function tick(now) {
      var v = Number(range.value) + (now - last) * Number(speed.value);
      last = now;
      if (v >= end) { set(Number(range.max)); stop(); return; }
      set(v);
      timer = requestAnimationFrame(tick);
    }
    play.addEventListener("click", function () {
      if (timer) { stop(); return; }
      if (Number(range.value) >= end) set(0);
      play.textContent = L.pause;
      last = performance.now();
      timer = requestAnimationFrame(tick);
    });
    return { timeline: tl, set: set, range: range, duration: end };
  }

  // Recorded runs in the docs: <div class="lab-run" data-src="run.jsonl">.
  function mountRecorded() {
    var boxes = document.querySelectorAll(".lab-run[data-src]");
    Array.prototype.forEach.call(boxes, function (box) {
      fetch(box.dataset.src).then(function (r) {
        if (!r.ok) throw new Error(box.dataset.src + ": HTTP " + r.status);
        return r.text();
      }).then(function (text) {
        var target = box.querySelector(".lab-run-view") || box;
        Replay(target, parseJSONL(text), { title: box.dataset.title });
        box.classList.add("lab-run-ready");
      }).catch(function (err) {
        box.appendChild(el("p", "lt-error", String(err)));
      });
    });
  }

  window.LabTimeline = { Timeline: Timeline, Replay: Replay, parseJSONL: parseJSONL, fmtTime: fmtTime };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountRecorded);
  else mountRecorded();
})();
