// CityOps page behaviour: draw ECharts charts declared in the markup, redraw after HTMX
// swaps and on resize, and the operations-centre (wall screen) toggle.
(function () {
  "use strict";
  const charts = new Set();

  function drawCharts(root) {
    if (typeof echarts === "undefined") return;
    root.querySelectorAll("[data-echarts]").forEach(function (el) {
      if (el.dataset.rendered) return;
      const source = document.getElementById(el.dataset.echarts);
      if (!source) return;
      const dark = document.body.classList.contains("wall");
      const chart = echarts.init(el, dark ? "dark" : null);
      chart.setOption(JSON.parse(source.textContent));
      charts.add(chart);
      el.dataset.rendered = "1";
    });
  }

  function redrawAll() {
    charts.forEach(function (c) { c.dispose(); });
    charts.clear();
    document.querySelectorAll("[data-echarts]").forEach(function (el) { delete el.dataset.rendered; });
    drawCharts(document);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (localStorage.getItem("cityops.wall") === "1") document.body.classList.add("wall");
    drawCharts(document);
    document.body.addEventListener("htmx:afterSwap", function (e) { drawCharts(e.target); });
    document.querySelectorAll("[data-wall-toggle]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        const on = document.body.classList.toggle("wall");
        localStorage.setItem("cityops.wall", on ? "1" : "0");
        redrawAll();
      });
    });
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
