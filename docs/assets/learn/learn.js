// The learning layer's pages in the browser: the interactive knowledge graph
// (Cytoscape.js, served from this site) and the interview bank's filter.
// Both read what the page itself holds, so they work offline.
(function () {
  "use strict";

  function graph() {
    var box = document.getElementById("lab-graph");
    var data = document.getElementById("lab-graph-data");
    if (!box || !data || typeof window.cytoscape !== "function") return;
    var levelColor = { beginner: "#43a047", intermediate: "#fb8c00", advanced: "#e53935" };
    var cy = window.cytoscape({
      container: box,
      elements: JSON.parse(data.textContent),
      wheelSensitivity: 0.2,
      layout: { name: "cose", animate: false, padding: 24, nodeRepulsion: 9000, idealEdgeLength: 110 },
      style: [
        { selector: "node", style: {
          "label": "data(label)", "text-valign": "center", "text-halign": "center",
          "font-size": 12, "color": "#fff", "text-outline-width": 2, "text-outline-color": "#3949ab",
          "background-color": "#3949ab", "shape": "round-rectangle",
          "width": "label", "height": 30, "padding": "10px" } },
        { selector: "node[level = 'beginner']", style: { "border-width": 4, "border-color": levelColor.beginner } },
        { selector: "node[level = 'intermediate']", style: { "border-width": 4, "border-color": levelColor.intermediate } },
        { selector: "node[level = 'advanced']", style: { "border-width": 4, "border-color": levelColor.advanced } },
        { selector: "node[kind = 'industries']", style: { "shape": "hexagon", "background-color": "#00897b", "text-outline-color": "#00897b" } },
        { selector: "node[kind = 'industry']", style: { "shape": "ellipse", "background-color": "#757575", "text-outline-color": "#757575" } },
        { selector: "node[url]", style: { "cursor": "pointer" } },
        { selector: "edge", style: {
          "width": 2, "curve-style": "bezier", "line-color": "#9e9e9e",
          "label": "data(label)", "font-size": 10, "text-rotation": "autorotate",
          "text-background-color": "#fff", "text-background-opacity": 0.8 } },
        { selector: "edge[kind = 'prerequisite']", style: { "width": 4, "line-color": "#3949ab", "target-arrow-shape": "triangle", "target-arrow-color": "#3949ab" } },
        { selector: "edge[kind = 'composes']", style: { "line-color": "#00897b", "target-arrow-shape": "triangle", "target-arrow-color": "#00897b" } },
        { selector: "edge[kind = 'contrasts']", style: { "line-style": "dashed", "line-color": "#e53935", "source-arrow-shape": "triangle", "target-arrow-shape": "triangle", "source-arrow-color": "#e53935", "target-arrow-color": "#e53935" } },
        { selector: "edge[kind = 'industry']", style: { "line-style": "dotted", "target-arrow-shape": "vee", "target-arrow-color": "#9e9e9e" } }
      ]
    });
    cy.on("tap", "node", function (e) {
      var url = e.target.data("url");
      if (url) window.location.href = url;
    });
    box.setAttribute("data-ready", String(cy.nodes().length));
  }

  function filter() {
    var forms = document.querySelectorAll("form.lab-filter");
    Array.prototype.forEach.call(forms, function (form) {
      var pattern = form.querySelector("select[name=pattern]");
      var level = form.querySelector("select[name=level]");
      var out = form.querySelector("output");
      var items = document.querySelectorAll(".lab-q");
      function apply() {
        var shown = 0;
        Array.prototype.forEach.call(items, function (q) {
          var ok = (!pattern.value || (" " + q.getAttribute("data-patterns") + " ").indexOf(" " + pattern.value + " ") >= 0) &&
                   (!level.value || q.getAttribute("data-level") === level.value);
          q.hidden = !ok;
          if (ok) shown++;
        });
        // a group heading with nothing left under it is hidden too
        Array.prototype.forEach.call(document.querySelectorAll("h2[id^='lab-interview-']"), function (h) {
          var any = false;
          for (var n = h.nextElementSibling; n && n.tagName !== "H2"; n = n.nextElementSibling) {
            if (n.classList.contains("lab-q") && !n.hidden) { any = true; break; }
          }
          h.hidden = !any;
        });
        out.textContent = shown + " " + form.getAttribute("data-shown");
      }
      form.addEventListener("change", apply);
      form.addEventListener("submit", function (e) { e.preventDefault(); });
      apply();
    });
  }

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () { graph(); filter(); });
})();
