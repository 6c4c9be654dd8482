// The trend chart: one line per query (share per 1000 or count), grey bars for all articles of each period (the
// denominator, right axis). A null value is a period without articles: a gap. An uncertain period (fewer articles
// than the floor) is a hollow point, and the scale's top comes from certain points only (data.top), so a burst in a
// thin month cannot squash the rest. Clicking a point opens its articles.
const data = JSON.parse(document.getElementById("trend-data").textContent);
const colours = ["#c0392b", "#2471a3", "#229954", "#d68910", "#7d3c98", "#17a589"];
// An uncertain value above the scale is drawn at its top as a triangle; the tooltip tells the real value.
const over = (v) => data.top !== null && v !== null && v > data.top;
const lines = data.series.map((s, i) => ({
  type: "line",
  label: s.label,
  data: s.values.map((v) => (over(v) ? data.top : v)),
  values: s.values,
  pointStyle: s.values.map((v) => (over(v) ? "triangle" : "circle")),
  links: s.links,
  yAxisID: "y",
  order: 1,
  borderColor: colours[i % colours.length],
  backgroundColor: colours[i % colours.length],
  spanGaps: false,
  clip: 8, // a triangle at the top of the scale is drawn whole
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
    plugins: {
      tooltip: {
        callbacks: {
          label: (item) => {
            const set = item.dataset;
            if (!set.values) return `${set.label}: ${item.formattedValue}`;
            const s = data.series[item.datasetIndex];
            const note = s.uncertain[item.dataIndex] ? " (uncertain)" : "";
            const about = s.estimated && s.estimated[item.dataIndex] ? "≈" : "";
            return `${set.label}: ${about}${set.values[item.dataIndex]}${note} · ${about}${s.articles[item.dataIndex]} / ${data.totals[item.dataIndex]}`;
          },
        },
      },
    },
    onClick: (event, elements, chart) => {
      const hit = chart.getElementsAtEventForMode(event, "nearest", { intersect: true }, true)
        .find((e) => chart.data.datasets[e.datasetIndex].links);
      if (hit) window.location.href = chart.data.datasets[hit.datasetIndex].links[hit.index];
    },
  },
});
