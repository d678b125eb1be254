/**
 * soak: the fleet past one machine, for minutes instead of one commit. A 3-server NATS JetStream
 * cluster (test/harness startNatsCluster), one real `flotilla hub` process (`--replicas 3`, polling a
 * real git repo every second) and N simulated spokes (bench/soak-spokes.ts: Hello, per-key direct get
 * and verify on notify / (re)connect / periodic check, in-memory apply, signed StatusReport, Heartbeat)
 * on a pool of connections spread over the three servers. For `minutes`: a commit every
 * `commitEverySeconds` that changes every cluster's bundle, and every few seconds 1 % of the spokes
 * restart (down 1–5 s, their notifies lost, back on a connection of their own).
 *
 * Printed every minute and at the end:
 *   - revisions committed vs converged (every spoke applied that revision or a later one), missed
 *     revisions (not converged within MISS_WINDOW_S), and at the end spokes not on the last commit
 *     (must be 0: a restarted spoke catches up); commit → every spoke converged, p50 / max;
 *   - status freshness as the hub holds it (GET /api/v1/clusters): the oldest status report and the
 *     oldest heartbeat, clusters Online, clusters the hub sees applied at its head revision;
 *   - the hub process's RSS (/proc/PID/status) at start / max / end and its growth per minute, the
 *     three nats-servers' RSS;
 *   - JetStream consumers on the cluster (account info and per stream): must not grow with the
 *     number of spokes (no consumer per spoke); os.loadavg().
 * The ratio is the run against itself: the last minute's median convergence against the first's.
 *
 * Not in `npm test` nor in the default `npm run bench` (it runs for minutes): `npm run bench soak`, or
 * Run: npm run build && node dist/bench/soak.js [spokes] [minutes] [commitEverySeconds]   (default 1000 10 10)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { CLI_PATH, freePort, makeGitRepo, startNatsCluster, type NatsClusterHandle } from "../test/harness/index.js";
import { WEB_APPSET, webReleaseConfig } from "./bench-fleet.js";
import { clusterNames } from "./simulated-spokes.js";
import { SoakSpokes } from "./soak-spokes.js";

const SPOKES = Number(process.argv[2] ?? 1000);
const MINUTES = Number(process.argv[3] ?? 10);
const COMMIT_EVERY_S = Number(process.argv[4] ?? 10);
const FLEET = "soak";
const CONNECTIONS = 24;
/** Every RESTART_EVERY_S, this share of the spokes restarts, each down for 1–5 s. */
const RESTART_SHARE = 0.01;
const RESTART_EVERY_S = 3;
const HEARTBEAT_S = 15;
/** The spoke's periodic check of its own key; the real default is 30 s. */
const CHECK_S = 30;
const POLL = "1s";
/** A commit not converged on every spoke this long after it was made counts as missed. */
const MISS_WINDOW_S = 60;
const SAMPLE_MS = 5000;


interface Commit {
  readonly sha: string;
  readonly at: number;
  reached: number;
  /** The first spoke applied it: the hub's poll, render and publish, plus one fetch. */
  firstAt: number | undefined;
  convergedAt: number | undefined;
}

interface HubProcess {
  readonly url: string;
  readonly proc: ChildProcess;
  /** The last 64 kB the hub printed, for an error message. */
  tail(): string;
}

async function startHub(input: { nats: string; repo: string; key: string }): Promise<HubProcess> {
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    [CLI_PATH, "hub", "--fleet", FLEET, "--nats", input.nats, "--repo", input.repo, "--allow-local-repos", "--listen", `127.0.0.1:${String(port)}`, "--signing-key", input.key, "--poll-interval", POLL, "--replicas", "3"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  const keep = (c: Buffer): void => {
    out = (out + c.toString()).slice(-65_536);
  };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the hub did not start: ${out}`)), 180_000);
    const onData = (): void => {
      if (!out.includes("listening on http")) return;
      clearTimeout(timer);
      proc.stdout?.off("data", onData);
      resolve();
    };
    proc.stdout?.on("data", onData);
    proc.once("exit", (code) => reject(new Error(`the hub exited with ${String(code)}: ${out}`)));
  });
  return { url: `http://127.0.0.1:${String(port)}`, proc, tail: () => out };
}

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const getJson = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;

/** Resident set size of a process in MB (Linux /proc), or NaN once it is gone. */
async function rssMb(pid: number): Promise<number> {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${String(pid)}/status`, "utf8"));
    return m === null ? Number.NaN : Number(m[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** The nats-server processes of the cluster: their command line names a config under its directory. */
async function natsPids(cluster: NatsClusterHandle): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmd.includes(cluster.dir) && cmd.includes("nats-server")) pids.push(Number(entry));
  }
  return pids;
}

interface ClusterView {
  readonly connection: "Online" | "Offline";
  readonly lastSeen: string | null;
  readonly applied: { readonly revision: string | null } | null;
  readonly apps: readonly { readonly freshnessSeconds: number | null }[];
}

interface StatusSample {
  /** Seconds: the oldest status report the hub holds (Infinity: a cluster has none). */
  readonly oldestReport: number;
  /** Seconds since the least recently seen spoke's last message (heartbeat, hello or report). */
  readonly oldestSeen: number;
  readonly online: number;
  readonly appliedAtHead: number;
  readonly ms: number;
}

async function statusSample(hub: HubProcess, head: string): Promise<StatusSample> {
  const t0 = performance.now();
  const { items } = await getJson<{ items: ClusterView[] }>(`${hub.url}/api/v1/clusters`);
  const ms = performance.now() - t0;
  const now = Date.now();
  let oldestReport = 0;
  let oldestSeen = 0;
  for (const c of items) {
    for (const a of c.apps) oldestReport = Math.max(oldestReport, a.freshnessSeconds ?? Number.POSITIVE_INFINITY);
    oldestSeen = Math.max(oldestSeen, c.lastSeen === null ? Number.POSITIVE_INFINITY : (now - Date.parse(c.lastSeen)) / 1000);
  }
  return {
    oldestReport,
    oldestSeen,
    online: items.filter((c) => c.connection === "Online").length,
    appliedAtHead: items.filter((c) => c.applied?.revision === head).length,
    ms,
  };
}

interface ConsumerCount {
  /** Consumers in the account (every stream). */
  readonly total: number;
  /** stream → consumers, for the streams that have any. */
  readonly byStream: string;
}

async function countConsumers(nc: NatsConnection): Promise<ConsumerCount> {
  const jsm = await jetstreamManager(nc);
  const account = await jsm.getAccountInfo();
  const parts: string[] = [];
  for await (const s of jsm.streams.list()) if (s.state.consumer_count > 0) parts.push(`${s.config.name}=${String(s.state.consumer_count)}`);
  return { total: account.consumers, byStream: parts.length === 0 ? "none" : parts.join(" ") };
}

const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? Number.NaN;
};
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(" ");
const f1 = (n: number): string => n.toFixed(1);

/** Least-squares slope of y over x (MB per minute when x is minutes). */
function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return den === 0 ? Number.NaN : num / den;
}

async function main(): Promise<void> {
  const clusters = clusterNames(SPOKES);
  const dir = await mkdtemp(join(tmpdir(), "flotilla-soak-"));
  const files: Record<string, string> = { "appsets/web.yaml": WEB_APPSET, "apps/web/config.yaml": webReleaseConfig(0) };
  for (const c of clusters) files[`clusters/${c}.yaml`] = `apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: ${c}\n  labels:\n    env: prod\n`;
  const repo = await makeGitRepo(files);
  const cluster = await startNatsCluster({ size: 3 });
  let hub: HubProcess | undefined;
  let spokes: SoakSpokes | undefined;
  let nc: NatsConnection | undefined;
  const timers: ReturnType<typeof setInterval>[] = [];
  console.log(
    `soak: ${String(SPOKES)} simulated spokes on ${String(CONNECTIONS)} pooled connections, a 3-server NATS JetStream cluster, one hub process (--replicas 3, --poll-interval ${POLL}), ${String(MINUTES)} min, a commit every ${String(COMMIT_EVERY_S)} s, ${String(RESTART_SHARE * 100)} % of spokes restarted every ${String(RESTART_EVERY_S)} s (down 1–5 s); load ${load()}`,
  );
  try {
    nc = await connect({ servers: [...cluster.urls] });
    const natsConn = nc;
    // A new cluster elects its JetStream meta leader after the servers listen.
    await waitUntil("the JetStream meta leader", async () => {
      await (await jetstreamManager(natsConn)).getAccountInfo();
      return true;
    });
    const t0Hub = performance.now();
    hub = await startHub({ nats: cluster.url, repo: repo.dir, key: join(dir, "hub.pem") });
    const hubUrl = hub.url;
    const initialHead = await repo.head();
    await waitUntil("the hub rendering the fleet", async () => {
      const { items } = await getJson<{ items: { desired: { revision: string } | null }[] }>(`${hubUrl}/api/v1/clusters`);
      return items.length === SPOKES && items.every((i) => i.desired?.revision === initialHead) ? true : undefined;
    });
    const hubReadyS = (performance.now() - t0Hub) / 1000;
    const publicKey = (await getJson<{ publicKey: string }>(`${hubUrl}/api/v1/hub-key`)).publicKey;
    const consumersBefore = await countConsumers(nc);
    const hubPid = hub.proc.pid ?? 0;
    const natsServerPids = await natsPids(cluster);

    // Convergence: commit index per revision; per spoke the highest index applied.
    const commits: Commit[] = [{ sha: initialHead, at: performance.now(), reached: 0, firstAt: undefined, convergedAt: undefined }];
    const indexOf = new Map([[initialHead, 0]]);
    const best = new Map<string, number>();
    /** Revisions each spoke applied (one skipped while down is caught up by a later one). */
    const appliedCount = new Map<string, number>();
    /** Commit → this spoke applied it, for every (spoke, revision) applied. */
    const latencies: number[] = [];
    let skipped = 0;
    const onApplied = (c: string, revision: string): void => {
      const idx = indexOf.get(revision);
      if (idx === undefined) return;
      const prev = best.get(c) ?? -1;
      if (idx <= prev) return;
      best.set(c, idx);
      appliedCount.set(c, (appliedCount.get(c) ?? 0) + 1);
      if (prev >= 0) skipped += idx - prev - 1;
      const now = performance.now();
      if (idx > 0) latencies.push((now - (commits[idx]?.at ?? now)) / 1000);
      for (let j = prev + 1; j <= idx; j++) {
        const commit = commits[j];
        if (commit === undefined) continue;
        commit.reached++;
        commit.firstAt ??= now;
        if (commit.reached === SPOKES) commit.convergedAt = now;
      }
    };
    const t0Spokes = performance.now();
    spokes = new SoakSpokes({ servers: cluster.urls, fleet: FLEET, clusters, connections: CONNECTIONS, hubPublicKey: publicKey, heartbeatSeconds: HEARTBEAT_S, checkSeconds: CHECK_S, onApplied });
    const fleet = spokes;
    await fleet.start();
    await waitUntil("every spoke on the first commit", () => Promise.resolve(commits[0]?.convergedAt !== undefined ? true : undefined));
    const coldS = (performance.now() - t0Spokes) / 1000;
    await waitUntil("the hub seeing every cluster applied", async () => ((await statusSample(hub as HubProcess, initialHead)).appliedAtHead === SPOKES ? true : undefined), 120_000);
    const consumersWithSpokes = await countConsumers(nc);
    const rssStart = await rssMb(hubPid);
    const natsRssStart = await Promise.all(natsServerPids.map(rssMb));
    console.log(
      `start: hub rendered ${String(SPOKES)} clusters in ${f1(hubReadyS)} s; every spoke fetched, verified, applied and reported in ${f1(coldS)} s; hub RSS ${f1(rssStart)} MB; nats-servers RSS ${natsRssStart.map(f1).join(" / ")} MB; JetStream consumers: ${String(consumersBefore.total)} before the spokes (${consumersBefore.byStream}), ${String(consumersWithSpokes.total)} with ${String(SPOKES)} spokes (${consumersWithSpokes.byStream}); load ${load()}`,
    );

    // The soak.
    const tSoak = performance.now();
    const minuteOf = (t: number): number => (t - tSoak) / 60_000;
    const rss: { x: number; y: number }[] = [{ x: 0, y: rssStart }];
    let rssMax = rssStart;
    let natsRssMax = Math.max(...natsRssStart);
    let worstReport = 0;
    let worstSeen = 0;
    let minOnline = SPOKES;
    let statusErrors = 0;
    let commitErrors = 0;
    let maxConsumers = consumersWithSpokes.total;
    timers.push(
      setInterval(() => {
        void (async () => {
          const r = await rssMb(hubPid);
          if (!Number.isNaN(r)) {
            rss.push({ x: minuteOf(performance.now()), y: r });
            rssMax = Math.max(rssMax, r);
          }
          for (const p of natsServerPids) natsRssMax = Math.max(natsRssMax, await rssMb(p));
        })();
      }, SAMPLE_MS),
    );
    timers.push(
      setInterval(() => {
        for (let i = 0; i < Math.max(1, Math.round(SPOKES * RESTART_SHARE)); i++) {
          const c = fleet.pickUp();
          if (c !== undefined) void fleet.restart(c, 1000 + Math.random() * 4000);
        }
      }, RESTART_EVERY_S * 1000),
    );
    let release = 0;
    let committing = false;
    timers.push(
      setInterval(() => {
        if (committing) return;
        committing = true;
        void (async () => {
          try {
            release++;
            const at = performance.now();
            const sha = await repo.commit({ "apps/web/config.yaml": webReleaseConfig(release) }, `release ${String(release)}`);
            indexOf.set(sha, commits.length);
            commits.push({ sha, at, reached: 0, firstAt: undefined, convergedAt: undefined });
          } catch {
            commitErrors++;
          } finally {
            committing = false;
          }
        })();
      }, COMMIT_EVERY_S * 1000),
    );
    // Status freshness, sampled every commit period (the API call itself costs the hub some CPU).
    let lastSample: StatusSample | undefined;
    timers.push(
      setInterval(() => {
        void (async () => {
          try {
            const s = await statusSample(hub as HubProcess, commits.at(-1)?.sha ?? initialHead);
            lastSample = s;
            worstReport = Math.max(worstReport, s.oldestReport);
            worstSeen = Math.max(worstSeen, s.oldestSeen);
            minOnline = Math.min(minOnline, s.online);
          } catch {
            statusErrors++;
          }
        })();
      }, COMMIT_EVERY_S * 1000),
    );

    const convergeTimes = (from: number, to: number): number[] =>
      commits
        .slice(1)
        .filter((c) => c.convergedAt !== undefined && minuteOf(c.at) >= from && minuteOf(c.at) < to)
        .map((c) => ((c.convergedAt ?? 0) - c.at) / 1000);
    const firstTimes = (from: number, to: number): number[] =>
      commits
        .slice(1)
        .filter((c) => c.firstAt !== undefined && minuteOf(c.at) >= from && minuteOf(c.at) < to)
        .map((c) => ((c.firstAt ?? 0) - c.at) / 1000);
    const missed = (now: number): number => commits.filter((c) => c.convergedAt === undefined && (now - c.at) / 1000 > MISS_WINDOW_S).length;
    const perMinute: number[] = [];
    /** Hub RSS at the end of the first minute: the baseline for growth, past the start-up render's garbage. */
    let rssWarm = Number.NaN;
    for (let minute = 1; minute <= MINUTES; minute++) {
      await new Promise((r) => setTimeout(r, 60_000));
      const now = performance.now();
      const times = convergeTimes(minute - 1, minute);
      perMinute.push(median(times));
      const consumers = await countConsumers(nc);
      maxConsumers = Math.max(maxConsumers, consumers.total);
      const r = await rssMb(hubPid);
      if (minute === 1) rssWarm = r;
      if (!Number.isNaN(r)) rssMax = Math.max(rssMax, r);
      const s = lastSample;
      console.log(
        `minute ${String(minute)}: commits ${String(commits.length - 1)}, converged ${String(commits.slice(1).filter((c) => c.convergedAt !== undefined).length)}, missed ${String(missed(now))}; this minute's commit → every spoke p50 ${f1(median(times))} s max ${f1(Math.max(...times, 0))} s (→ the first spoke p50 ${f1(median(firstTimes(minute - 1, minute)))} s max ${f1(Math.max(...firstTimes(minute - 1, minute), 0))} s); spokes down now ${String(fleet.down)}, restarts ${String(fleet.restarts)}, stale reads ${String(fleet.staleReads)}; hub: oldest report ${s === undefined ? "-" : String(s.oldestReport)} s, oldest heartbeat ${s === undefined ? "-" : f1(s.oldestSeen)} s, online ${s === undefined ? "-" : String(s.online)}, API ${s === undefined ? "-" : String(Math.round(s.ms))} ms; hub RSS ${f1(r)} MB (max ${f1(rssMax)}); consumers ${String(consumers.total)}; load ${load()}`,
      );
    }
    for (const t of timers) clearInterval(t);
    timers.length = 0;
    while (committing) await new Promise((r) => setTimeout(r, 50));

    // The end: no more commits or restarts; every spoke (the restarted ones too) must reach the last commit.
    const last = commits.at(-1) ?? { sha: initialHead, at: 0, reached: 0, firstAt: undefined, convergedAt: undefined };
    const tEnd = performance.now();
    await waitUntil("every spoke on the last commit", () => Promise.resolve(fleet.down === 0 && fleet.behind(last.sha).length === 0 ? true : undefined), 120_000).catch(() => undefined);
    const behind = fleet.behind(last.sha);
    const endWaitS = (performance.now() - tEnd) / 1000;
    const hubSaw = await waitUntil("the hub seeing every cluster on the last commit", async () => {
      const s = await statusSample(hub as HubProcess, last.sha);
      return s.appliedAtHead === SPOKES ? s : undefined;
    }, 60_000).catch(() => statusSample(hub as HubProcess, last.sha));
    const rssEnd = await rssMb(hubPid);
    rss.push({ x: minuteOf(performance.now()), y: rssEnd });
    rssMax = Math.max(rssMax, rssEnd);
    const natsRssEnd = await Promise.all(natsServerPids.map(rssMb));
    natsRssMax = Math.max(natsRssMax, ...natsRssEnd);
    const warm = rss.filter((p) => p.x >= 1);
    const sorted = [...latencies].sort((a, b) => a - b);
    const pct = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
    const counts = clusters.map((c) => appliedCount.get(c) ?? 0);
    const sawAll = counts.filter((n) => n === commits.length).length;
    const consumersEnd = await countConsumers(nc);
    const soakMinutes = minuteOf(tEnd);
    const all = convergeTimes(0, Number.POSITIVE_INFINITY);
    const made = commits.length - 1;
    const converged = commits.slice(1).filter((c) => c.convergedAt !== undefined).length;
    const missedEnd = commits.slice(1).filter((c) => c.convergedAt === undefined || (c.convergedAt - c.at) / 1000 > MISS_WINDOW_S).length;
    const firstMin = perMinute[0] ?? Number.NaN;
    const lastMin = perMinute.at(-1) ?? Number.NaN;
    const fetchLine = (Object.keys(fleet.fetches) as (keyof typeof fleet.fetches)[]).map((k) => `${k} ${String(fleet.fetches[k])} (${String(fleet.caughtUp[k])} found a newer generation)`).join(", ");
    const ok = missedEnd === 0 && behind.length === 0 && hubSaw.appliedAtHead === SPOKES && consumersEnd.total <= consumersBefore.total && fleet.rejected === 0;
    console.log(
      [
        `soak result (${f1(soakMinutes)} min, ${String(SPOKES)} spokes; load ${load()}):`,
        `  revisions: ${String(made)} committed, ${String(converged)} converged on every spoke, missed ${String(missedEnd)} (not on every spoke within ${String(MISS_WINDOW_S)} s); spokes not on the last commit after the end: ${String(behind.length)}${behind.length > 0 ? ` (${behind.slice(0, 5).join(", ")}…)` : ""} (waited ${f1(endWaitS)} s); envelopes rejected: ${String(fleet.rejected)}; fetches after a notify that read an older generation than announced (a lagging replica answered the direct get): ${String(fleet.staleReads)}; commits failed: ${String(commitErrors)}`,
        `  revisions applied per spoke: ${String(sawAll)} of ${String(SPOKES)} spokes applied all ${String(commits.length)} (the first included), the fewest by one spoke ${String(Math.min(...counts))}; commit → one spoke applied it: p50 ${f1(pct(0.5))} s, p99 ${f1(pct(0.99))} s, max ${f1(sorted.at(-1) ?? Number.NaN)} s over ${String(sorted.length)} applies`,
        `  commit → every spoke applied it (or a later one): p50 ${f1(median(all))} s, max ${f1(Math.max(...all, 0))} s (hub polls every ${POLL}; a restarted spoke is down 1–5 s); first minute p50 ${f1(firstMin)} s, last minute p50 ${f1(lastMin)} s: ratio ${(lastMin / firstMin).toFixed(2)}×; commit → the first spoke (hub poll + render + publish + one fetch) p50 ${f1(median(firstTimes(0, Number.POSITIVE_INFINITY)))} s, max ${f1(Math.max(...firstTimes(0, Number.POSITIVE_INFINITY), 0))} s`,
        `  restarts: ${String(fleet.restarts)}; revisions skipped by a spoke (down or superseded before its fetch, then caught up): ${String(skipped)}; fetches: ${fetchLine}; fetch errors retried: ${String(fleet.fetchErrors)}; reports ${String(fleet.reports)}, heartbeats ${String(fleet.heartbeats)}`,
        `  status freshness at the hub (sampled every ${String(COMMIT_EVERY_S)} s): oldest status report ${String(worstReport)} s at worst, oldest heartbeat ${f1(worstSeen)} s at worst (heartbeat ${String(HEARTBEAT_S)} s), fewest Online ${String(minOnline)} of ${String(SPOKES)}; sample errors ${String(statusErrors)}; at the end: applied at head ${String(hubSaw.appliedAtHead)} of ${String(SPOKES)}, oldest report ${String(hubSaw.oldestReport)} s`,
        `  hub RSS: start ${f1(rssStart)} MB (fleet converged), ${f1(rssWarm)} MB after minute 1, max ${f1(rssMax)} MB, end ${f1(rssEnd)} MB; growth ${f1((rssEnd - rssStart) / soakMinutes)} MB/min from the start, ${soakMinutes >= 2 ? f1((rssEnd - rssWarm) / (soakMinutes - 1)) : "-"} MB/min from minute 1, ${f1(slope(warm))} MB/min least squares over the ${String(warm.length)} samples from minute 1`,
        `  nats-servers RSS: start ${natsRssStart.map(f1).join(" / ")} MB, end ${natsRssEnd.map(f1).join(" / ")} MB, max ${f1(natsRssMax)} MB`,
        `  JetStream consumers: ${String(consumersBefore.total)} before the spokes, ${String(consumersWithSpokes.total)} with them, ${String(maxConsumers)} at most during the soak, ${String(consumersEnd.total)} at the end (${consumersEnd.byStream}): no consumer per spoke: ${consumersEnd.total <= consumersBefore.total && maxConsumers <= consumersBefore.total ? "met" : "MISSED"}`,
        `  overall: ${ok ? "met" : "MISSED"}`,
      ].join("\n"),
    );
    if (!ok) process.exitCode = 1;
  } finally {
    for (const t of timers) clearInterval(t);
    await spokes?.close();
    const proc = hub?.proc;
    if (proc !== undefined && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await nc?.close();
    await cluster.stop();
    await repo.remove();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
