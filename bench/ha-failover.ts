/**
 * ha-failover: two real `flotilla hub` processes of one fleet (`--lease`), N simulated spokes
 * (bench/simulated-reporting-spokes.ts: fetch, verify, apply in memory, signed report) and one
 * nats-server. Hub A leads and publishes commit 1; every spoke converges. Commit 2 is then made: hub A
 * polls nothing (`--poll-interval 0`), hub B polls every 500 ms, so only the standby renders it (warm).
 * Hub A is killed with SIGKILL (no lease release); each round then starts a fresh pair. Printed, per round:
 *   - takeover: SIGKILL → the first put to `flotilla-desired` (seen by a KV watcher here), i.e. the
 *     new leader waiting out the lease, restoring the published state from the KV, planning and publishing;
 *   - convergence: SIGKILL → every spoke verified the new generation;
 *   - both as a ratio to the lease period of the same run (the bound the design promises for takeover
 *     is one lease period plus a restore and one publish pass).
 * The spokes also check generations: a spoke rejects any envelope older than what it applied.
 *
 * Run: npm run build && node dist/bench/ha-failover.js [spokes] [lease seconds] [rounds]   (default 100 4 3)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { Kvm, type KvWatchEntry } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { DESIRED_BUCKET, parseEnvelope } from "../protocol/index.js";
import { CLI_PATH, freePort, makeGitRepo, startNats } from "../test/harness/index.js";
import { WEB_APPSET, webReleaseConfig } from "./bench-fleet.js";
import { clusterNames } from "./simulated-spokes.js";
import { ReportingSpokes } from "./simulated-reporting-spokes.js";

const SPOKES = Number(process.argv[2] ?? 100);
const LEASE_S = Number(process.argv[3] ?? 4);
const ROUNDS = Number(process.argv[4] ?? 3);
const FLEET = "bench";


interface Hub {
  readonly id: string;
  readonly url: string;
  readonly proc: ChildProcess;
}

async function startHubProcess(input: { id: string; nats: string; repo: string; key: string; poll: string }): Promise<Hub> {
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    [CLI_PATH, "hub", "--fleet", FLEET, "--nats", input.nats, "--repo", input.repo, "--allow-local-repos", "--listen", `127.0.0.1:${String(port)}`, "--signing-key", input.key, "--poll-interval", input.poll, "--lease", `${String(LEASE_S)}s`, "--hub-id", input.id, "--render-workers", "1"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub ${input.id} did not start: ${out}`)), 120_000);
    proc.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("listening on http")) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.stderr?.on("data", (c: Buffer) => (out += c.toString()));
    proc.once("exit", (code) => reject(new Error(`hub ${input.id} exited with ${String(code)}: ${out}`)));
  });
  return { id: input.id, url: `http://127.0.0.1:${String(port)}`, proc };
}

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const getJson = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;
const roleOf = async (hub: Hub): Promise<string | undefined> => (await getJson<{ self: { role: string } }>(`${hub.url}/api/v1/leader`)).self.role;
const sourceRevision = async (hub: Hub): Promise<string | undefined> => (await getJson<{ items: { revision?: string }[] }>(`${hub.url}/api/v1/sources`)).items[0]?.revision;

async function main(): Promise<void> {
  const nats = await startNats();
  const dir = await mkdtemp(join(tmpdir(), "flotilla-ha-bench-"));
  const key = join(dir, "hub.pem");
  const clusters = clusterNames(SPOKES);
  const files: Record<string, string> = { "appsets/web.yaml": WEB_APPSET, "apps/web/config.yaml": webReleaseConfig(0) };
  for (const c of clusters) files[`clusters/${c}.yaml`] = `apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: ${c}\n  labels:\n    env: prod\n`;
  const repo = await makeGitRepo(files);
  const hubs: Hub[] = [];
  const nc = await connect({ servers: nats.url });
  let spokes: ReportingSpokes | undefined;
  console.log(`ha-failover: ${String(SPOKES)} simulated spokes, lease ${String(LEASE_S)} s, ${String(ROUNDS)} rounds, one nats-server`);
  try {
    // The first hub creates the signing key; the second shares it (as replicas share a Secret).
    let leader = await startHubProcess({ id: "hub-0", nats: nats.url, repo: repo.dir, key, poll: "0" });
    hubs.push(leader);
    await waitUntil("hub-0 leading", async () => ((await roleOf(leader)) === "leader" ? true : undefined));
    const publicKey = (await getJson<{ publicKey: string }>(`${leader.url}/api/v1/hub-key`)).publicKey;
    const kv = await new Kvm(jetstream(nc)).open(DESIRED_BUCKET);
    const puts: { at: number; generation: number }[] = [];
    const watch = await kv.watch({ key: ">" });
    void (async () => {
      for await (const e of watch as AsyncIterable<KvWatchEntry>) if (e.operation === "PUT") puts.push({ at: performance.now(), generation: parseEnvelope(e.value).generation });
    })();
    spokes = new ReportingSpokes({ servers: nats.url, fleet: FLEET, clusters, connections: 16, hubPublicKey: publicKey });
    spokes.spokes.arm(1);
    await spokes.connect();
    await spokes.spokes.converged(120_000);
    let generation = 1;
    const results: { takeover: number; converge: number }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      if (round > 1) {
        // A fresh pair: the last round's survivor (which polls) stops cleanly, releasing the lease to a leader that does not poll.
        const survivor = hubs.at(-1);
        survivor?.proc.kill("SIGTERM");
        await new Promise((r) => survivor?.proc.once("exit", r));
        const next = await startHubProcess({ id: `hub-${String(round)}a`, nats: nats.url, repo: repo.dir, key, poll: "0" });
        hubs.push(next);
        leader = next;
        await waitUntil("the new pair's leader leading", async () => ((await roleOf(next)) === "leader" ? true : undefined));
      }
      // A warm standby that polls; the leader does not, so only the standby knows the next commit.
      const standby = await startHubProcess({ id: `hub-${String(round)}b`, nats: nats.url, repo: repo.dir, key, poll: "500ms" });
      hubs.push(standby);
      await waitUntil("the standby standing by", async () => ((await roleOf(standby)) === "standby" ? true : undefined));
      const head = await repo.commit({ "apps/web/config.yaml": webReleaseConfig(round) }, `round ${String(round)}`);
      await waitUntil("the standby rendering the commit", async () => ((await sourceRevision(standby)) === head ? true : undefined));
      spokes.spokes.arm(generation + 1);
      const before = puts.length;
      const killedAt = performance.now();
      leader.proc.kill("SIGKILL");
      const firstPut = await waitUntil("the first put by the new leader", () => Promise.resolve(puts.length > before ? puts[before] : undefined));
      const convergedAt = await spokes.spokes.converged(120_000);
      const takeover = (firstPut.at - killedAt) / 1000;
      const converge = (convergedAt - killedAt) / 1000;
      results.push({ takeover, converge });
      generation = Math.max(...puts.map((p) => p.generation));
      const load = loadavg().map((l) => l.toFixed(1)).join(" ");
      console.log(
        `round ${String(round)}: takeover ${takeover.toFixed(2)} s (${(takeover / LEASE_S).toFixed(2)}× the lease), converged ${converge.toFixed(2)} s after the kill (${(converge / LEASE_S).toFixed(2)}× the lease; ${(converge - takeover).toFixed(2)} s after the first publish), generation ${String(generation)}, load ${load}`,
      );
    }
    const mean = (f: (r: { takeover: number; converge: number }) => number): number => results.reduce((s, r) => s + f(r), 0) / results.length;
    console.log(`mean: takeover ${mean((r) => r.takeover).toFixed(2)} s = ${(mean((r) => r.takeover) / LEASE_S).toFixed(2)}× the ${String(LEASE_S)} s lease; convergence ${mean((r) => r.converge).toFixed(2)} s = ${(mean((r) => r.converge) / LEASE_S).toFixed(2)}× the lease`);
  } finally {
    await spokes?.close();
    for (const h of hubs) h.proc.kill("SIGKILL");
    await nc.close();
    await nats.stop();
    await repo.remove();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
