// The watch page's matches per month (data from the page's JSON block; no inline script under the CSP).
const data = JSON.parse(document.getElementById("watch-data").textContent);
window.watchChart = new Chart(document.getElementById("watch-chart"), {
  type: "bar",
  data: { labels: data.months, datasets: [{ label: "matches", data: data.matches, backgroundColor: "#8b1a1a" }] },
  options: { animation: false, responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
});
