// The trend chart: one line per query (share per 1000 or count), grey bars for all articles of each period (the
// denominator, right axis). A null value is a period without articles: a gap. An uncertain period (fewer articles
// than the floor) is a hollow point, and the scale's top comes from certain points only (data.top), so a burst in a
// thin month cannot squash the rest. Clicking a point opens its articles.
const data = JSON.parse(document.getElementById("trend-data").textContent);
const colours = ["#c0392b", "#2471a3", "#229954", "#d68910", "#7d3c98", "#17a589"];
const lines = data.series.map((s, i) => ({
  type: "line",
  label: s.label,
  data: s.values,
  links: s.links,
  yAxisID: "y",
  order: 1,
  borderColor: colours[i % colours.length],
  backgroundColor: colours[i % colours.length],
  spanGaps: false,
  tension: 0.2,
  pointRadius: s.uncertain.map((u) => (u ? 4 : 2.5)),
  pointBackgroundColor: s.uncertain.map((u) => (u ? "#ffffff" : colours[i % colours.length])),
  pointBorderColor: colours[i % colours.length],
  segment: { borderDash: (ctx) => (s.uncertain[ctx.p1DataIndex] || s.uncertain[ctx.p0DataIndex] ? [4, 4] : undefined) },
}));
const totals = {
  type: "bar",
  label: "all articles",
  data: data.totals,
  yAxisID: "total",
  order: 2,
  backgroundColor: "rgba(160, 160, 160, 0.25)",
};
const y = { beginAtZero: true, title: { display: true, text: data.mode === "count" ? "matching articles" : "per 1000 articles" } };
if (data.top !== null) y.max = data.top;
window.trendChart = new Chart(document.getElementById("trend-chart"), {
  data: { labels: data.periods, datasets: [...lines, totals] },
  options: {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    scales: {
      y,
      total: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "all articles" } },
    },
    onClick: (event, elements, chart) => {
      const hit = chart.getElementsAtEventForMode(event, "nearest", { intersect: true }, true)
        .find((e) => chart.data.datasets[e.datasetIndex].links);
      if (hit) window.location.href = chart.data.datasets[hit.datasetIndex].links[hit.index];
    },
  },
});
