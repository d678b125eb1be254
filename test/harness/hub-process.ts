import { join } from "node:path";
import type { ProcessSupervisor } from "../../demo/index.js";
import { freePort } from "./free-port.js";
import { CLI_PATH } from "./run-cli.js";

export interface StartHubProcessOptions {
  readonly supervisor: ProcessSupervisor;
  readonly fleet: string;
  readonly natsUrl: string;
  readonly repoDir: string;
  /** Where the hub's signing key is written. */
  readonly workDir: string;
  /** The script to run (default: the built CLI; the hub image test passes its own entry point). */
  readonly entry?: string;
  /** Wait until the hub lists at least this many clusters (it renders the repo at start). */
  readonly clusters: number;
  /** More `flotilla hub` flags (a repeated flag overrides the default above, e.g. `--poll-interval 1s`). */
  readonly extraArgs?: readonly string[];
}

/**
 * A real `flotilla hub` process on a free port, fed by a local repo and polling nothing: tests
 * trigger what they need. Resolves with its URL once it has rendered the fleet.
 */
export async function startHubProcess(o: StartHubProcessOptions): Promise<{ readonly url: string; /** What the hub printed so far (its JSON log lines). */ readonly output: () => string }> {
  const port = await freePort();
  const hub = await o.supervisor.start({
    name: "hub",
    command: process.execPath,
    args: [o.entry ?? CLI_PATH, "hub", "--fleet", o.fleet, "--nats", o.natsUrl, "--repo", o.repoDir, "--allow-local-repos", "--listen", `127.0.0.1:${String(port)}`, "--signing-key", join(o.workDir, "hub.pem"), "--poll-interval", "0", ...(o.extraArgs ?? [])],
    ready: /listening on http/,
    readyTimeoutMs: 60_000,
  });
  const url = /listening on (http\S+)/.exec(hub.readyLine ?? "")?.[1] ?? `http://127.0.0.1:${String(port)}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const body = (await (await fetch(`${url}/api/v1/clusters`)).json().catch(() => ({ items: [] }))) as { items: unknown[] };
    if (body.items.length >= o.clusters) return { url, output: () => hub.output() };
    if (Date.now() > deadline) throw new Error(`the hub at ${url} listed ${String(body.items.length)} of ${String(o.clusters)} clusters after 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
