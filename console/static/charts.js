// Draws every <canvas data-chart> from the JSON table named by its data-source (no eval, no HTML).
document.addEventListener("DOMContentLoaded", () => {
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const table = JSON.parse(document.getElementById(canvas.dataset.source).textContent);
    const labels = table.rows.map((row) => String(row[0]));
    const datasets = table.columns.slice(1).map((name, i) => ({
      label: name,
      data: table.rows.map((row) => row[i + 1]),
    }));
    new Chart(canvas, {
      type: canvas.dataset.chart,
      data: { labels, datasets },
      options: { animation: false, maintainAspectRatio: false, spanGaps: true },
    });
  }
});
