/** A dependency-free page over the JSON API: each cluster's connection, sync and health, refreshed every 5 s. */
export function dashboardHtml(fleet: string): string {
  const title = `Flotilla · ${fleet.replace(/[^a-z0-9-]/g, "")}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{padding:.3rem .8rem;border-bottom:1px solid #ddd;text-align:left}
.Healthy,.Synced,.Online{color:#127a2a}.Degraded,.OutOfSync,.Offline{color:#b3261e}.Progressing{color:#8a6100}</style></head>
<body><h1>${title}</h1><table><thead><tr><th>cluster</th><th>connection</th><th>sync</th><th>health</th><th>desired</th><th>applied</th><th>errors</th></tr></thead>
<tbody id="rows"></tbody></table><h2>Rollouts</h2><pre id="rollouts"></pre>
<script>
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;","\\"":"&quot;"})[c]);
async function load() {
  const clusters = await (await fetch("/api/v1/clusters")).json();
  document.getElementById("rows").innerHTML = clusters.items.map((c) =>
    "<tr><td>" + esc(c.name) + "</td><td class=" + esc(c.connection) + ">" + esc(c.connection) + "</td><td class=" + esc(c.sync) + ">" + esc(c.sync) +
    "</td><td class=" + esc(c.health) + ">" + esc(c.health) + "</td><td>" + esc(c.desired && c.desired.revision.slice(0, 12)) +
    "</td><td>" + esc(c.applied && c.applied.revision && c.applied.revision.slice(0, 12)) + "</td><td>" + esc(c.errors.map((e) => e.code).join(", ")) + "</td></tr>").join("");
  const rollouts = await (await fetch("/api/v1/rollouts")).json();
  document.getElementById("rollouts").textContent = rollouts.items.map((r) => r.appSet + ": " + r.phase + " — " + (r.message || "")).join("\\n");
}
load(); setInterval(load, 5000);
</script></body></html>
`;
}
