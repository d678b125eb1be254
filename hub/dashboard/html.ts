const ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(value: string | number | null | undefined): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** A class-safe token for a status word (Healthy, OutOfSync, …). */
export function token(value: string): string {
  return value.replace(/[^A-Za-z0-9-]/g, "");
}

const STYLE = `
:root{--ok:#127a2a;--bad:#b3261e;--warn:#8a6100;--dim:#6b6b6b;--line:#e3e3e3}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,sans-serif;margin:0;color:#1d1d1d;background:#fafafa}
header{display:flex;gap:1.5rem;align-items:baseline;padding:.8rem 1.5rem;background:#14213d;color:#fff}
header a{color:#cfd8ff;text-decoration:none}header h1{font-size:1.1rem;margin:0}
main{padding:1rem 1.5rem}table{border-collapse:collapse;background:#fff;margin-bottom:1.2rem}
th,td{padding:.35rem .7rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;font-size:.85rem;color:#444}code{font-size:.85rem}
.badge{display:inline-block;padding:0 .45rem;border-radius:.6rem;font-size:.8rem;border:1px solid currentColor}
.Healthy,.Synced,.online,.Completed{color:var(--ok)}
.Degraded,.OutOfSync,.Missing,.Halted,.RolledBack{color:var(--bad)}
.Progressing,.Pending,.Waiting,.Suspended{color:var(--warn)}
.Unknown,.offline,.NotSelected{color:var(--dim)}
tr.offline td{background:#f1f1f1}.healthmap{display:grid;grid-template-columns:repeat(auto-fill,8px);gap:1px;max-width:1010px;margin:.5rem 0 1rem}.healthmap>i[class],.healthmap>a[class]{display:block;width:8px;height:8px;border-radius:1px}
i[class^=m-]{display:inline-block;width:.7rem;height:.7rem;border-radius:2px}.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;margin:.4rem 0}.legend a{color:inherit;text-decoration:none}
.m-healthy{background:#2e9d4b}.m-degraded{background:#c62828}.m-behind{background:#e65100}.m-outofsync{background:#f9a825}.m-progressing{background:#1e88e5}.m-unknown{background:#9e9e9e}.m-offline{background:#d0d0d0}
.filters input,.filters select{font:inherit;padding:.15rem .3rem}.pager a{margin:0 .5rem}pre.diff{background:#fff;border:1px solid var(--line);padding:.5rem;overflow:auto;font-size:.8rem}
.diff .add{color:var(--ok)}.diff .del{color:var(--bad)}ol.tree,ol.timeline{margin:.2rem 0}
.actions{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center;margin:0 0 .8rem;font-size:.85rem}.actions form,form.act{display:inline}h2 form.act{font-size:.85rem;font-weight:normal;margin-left:.5rem}button{font:inherit;padding:.15rem .6rem;cursor:pointer}.result{border:2px solid var(--ok);background:#edf7ee;padding:.4rem 1rem;margin-bottom:1rem}.result.failed{border-color:var(--bad);background:#fdecea}
.banner{border:2px solid var(--bad);background:#fdecea;padding:.4rem 1rem;margin-bottom:1rem}.banner ul{margin:.2rem 0}.muted{color:var(--dim)}.err{color:var(--bad);font-size:.85rem}
`;

const SCRIPT = `
(() => {
  const main = document.getElementById("live");
  if (!main || !window.EventSource) return;
  const source = new EventSource("/events");
  let busy = false;
  source.addEventListener("change", async () => {
    if (busy) return;
    busy = true;
    try {
      const res = await fetch(main.dataset.fragment, { headers: { accept: "text/html" } });
      if (res.ok) main.innerHTML = await res.text();
    } finally {
      busy = false;
    }
  });
})();
`;

/** The whole page around a live fragment; the fragment URL is fetched again on every SSE change. */
export function layout(input: { fleet: string; title: string; fragmentUrl: string; body: string }): string {
  const fleet = esc(input.fleet);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(input.title)} · Flotilla ${fleet}</title><style>${STYLE}</style></head>
<body><header><h1>Flotilla · ${fleet}</h1><nav><a href="/">Fleet</a> · <a href="/rollouts">Rollouts</a></nav></header>
<main id="live" data-fragment="${esc(input.fragmentUrl)}">${input.body}</main>
<script>${SCRIPT}</script></body></html>
`;
}

/**
 * The sign-in page: one password field (the read token shows the fleet on a hub that wants one;
 * the API token also shows the refresh, sync and rollback buttons), an optional name for the
 * audit log, no script.
 */
export function loginPage(input: { failed: boolean; next: string; readProtected?: boolean | undefined }): string {
  const why =
    input.readProtected === true
      ? "This hub wants its read token to show the fleet, or its API token to show the fleet and act on it (refresh, sync, rollback)."
      : "Sign in with the hub's API token to refresh, sync and roll back from the dashboard.";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in · Flotilla</title><style>${STYLE}</style></head>
<body><header><h1>Flotilla</h1></header>
<main><form method="post" action="/login">
<p>${why}</p>
${input.failed ? '<p class="err" role="alert">That token is not valid for this hub.</p>' : ""}
<input type="hidden" name="next" value="${esc(input.next)}">
<p><label>Token <input type="password" name="token" autocomplete="current-password" required autofocus></label></p>
<p><label>Your name, for the audit log (optional) <input type="text" name="name" autocomplete="username" maxlength="64" pattern="[A-Za-z0-9_.@+-]{1,64}"></label></p>
<p><button type="submit">Sign in</button></p>
</form></main></body></html>
`;
}
