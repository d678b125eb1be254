import { createWriteStream, existsSync, type WriteStream } from "node:fs";
import { chmod, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { FlotillaError, SBIN_DIRS, errorMessage, freePort, type Clock, type Logger, type RandomSource } from "../core/index.js";
import { demoClusters, MAX_DEMO_CLUSTERS, type DemoCluster } from "./demo-clusters.js";
import { commitAll, createFleetRepo } from "./fleet-repo.js";
import { HubClient } from "./hub-client.js";
import { DEMO_ERRORS, findExecutable, runCommand } from "./local-tools.js";
import { ProcessSupervisor, type SupervisedChild } from "./process-supervisor.js";
import { devclusterArgs, fleetSealArgs, hubArgs, natsConfigArgs, sopsEncryptArgs, spokeArgs, SPOKE_NAMESPACE } from "./product-commands.js";
import { fleetProgress } from "./progress-view.js";
import { fleetEvents, type FleetSnapshot } from "./fleet-events.js";

export interface DemoOptions {
  readonly clusters: number;
  /** Hub API and dashboard port on 127.0.0.1 (0 picks a free one). */
  readonly port: number;
  /** Everything the demo writes (repo, kubeconfigs, keys, logs); wiped at the start of each run. */
  readonly dir: string;
  /** How to run the `flotilla` CLI itself: node and the built main.js. */
  readonly flotilla: { readonly node: string; readonly script: string };
  readonly examplesDir: string;
  /** Where `scripts/install-kubectl.sh` puts kubectl (`.tools/bin` of the checkout), searched after PATH. */
  readonly toolDirs?: readonly string[];
  /** Environment for every child (PATH to find nats-server and kubectl). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: Writable;
  /** Redraw the progress view in place (a terminal) instead of printing changes line by line. */
  readonly interactive: boolean;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger: Logger;
  /** Ctrl-C: stops the start-up as well as the running demo. */
  readonly signal: AbortSignal;
  readonly convergeTimeoutMs?: number;
  /** A DevClusterFaults JSON file every devcluster plays from the start (`devcluster --faults`); the hub then runs with --auto-rollback. */
  readonly faultsFile?: string | undefined;
}

export interface RunningDemo {
  readonly hubUrl: string;
  readonly repoDir: string;
  readonly kubeconfigs: ReadonlyMap<string, string>;
  readonly clusters: readonly DemoCluster[];
  /** Child processes by name (nats-server, devcluster X, hub, spoke X). */
  readonly children: readonly SupervisedChild[];
  /** Where each child's output is written as it runs (DIR/logs/NAME.log). */
  readonly logsDir: string;
  /**
   * Prints, until the signal aborts, a line for each thing that happens in the fleet: a commit the
   * hub picked up, a rollout step, a cluster or app changing sync or health, a child that died.
   */
  follow(): Promise<void>;
  /** Stops every child and closes their logs; idempotent. */
  stop(): Promise<void>;
}

const MARKER = ".flotilla-demo";

/** Empties the demo directory, refusing a non-empty directory the demo did not create. */
async function freshDir(dir: string): Promise<void> {
  if (existsSync(dir)) {
    const entries = await readdir(dir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new FlotillaError(DEMO_ERRORS.dirNotEmpty, `${dir} is not empty and was not made by flotilla demo; choose another --dir`, { field: "--dir" });
    }
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, MARKER), "created by flotilla demo; removed and recreated on every run\n");
}

function randomToken(random: RandomSource, bytes: number): string {
  return Buffer.from(random(bytes)).toString("base64url");
}

/** Writes a file only the current user can read (plaintext Secrets exist only until they are encrypted). */
async function writePrivate(file: string, content: string): Promise<void> {
  await writeFile(file, content, { mode: 0o600 });
  await chmod(file, 0o600);
}

function secretManifest(name: string, values: Readonly<Record<string, string>>): string {
  const data = Object.entries(values)
    .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
    .join("\n");
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: myns\ntype: Opaque\nstringData:\n${data}\n`;
}

/** The spoke's namespace and the Secret its SOPS decryption reads (`*.agekey` entries, like Flux's decryption Secret). */
function sopsKeysManifest(ageIdentity: string): string {
  const key = Buffer.from(ageIdentity).toString("base64");
  return `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${SPOKE_NAMESPACE}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: flotilla-sops-keys\n  namespace: ${SPOKE_NAMESPACE}\ntype: Opaque\ndata:\n  demo.agekey: ${key}\n`;
}

/**
 * `flotilla demo`: a whole fleet on one machine, as child processes the demo supervises —
 * nats-server (configured by `flotilla nats-config`), N devclusters, the hub and one spoke each —
 * fed by a fresh git copy of examples/fleet. Returns once every cluster is Synced/Healthy.
 */
export async function startDemo(o: DemoOptions): Promise<RunningDemo> {
  if (!Number.isInteger(o.clusters) || o.clusters < 1 || o.clusters > MAX_DEMO_CLUSTERS) {
    throw new FlotillaError(DEMO_ERRORS.badFlag, `must be an integer from 1 to ${String(MAX_DEMO_CLUSTERS)}`, { field: "--clusters" });
  }
  const natsServer = findExecutable("nats-server", o.env.PATH);
  const kubectl = findExecutable("kubectl", o.env.PATH, [...(o.toolDirs ?? []), ...SBIN_DIRS, "/usr/local/bin"]);
  const started = o.clock.now();
  const say = (line: string): void => {
    o.out.write(`${line}\n`);
  };
  /** After convergence every line carries the time, as a log a person reads. */
  const event = (line: string): void => {
    say(`${new Date(o.clock.now()).toISOString().slice(11, 19)}  ${line}`);
  };
  const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    if (o.signal.aborted) throw new FlotillaError("DEMO_INTERRUPTED", "interrupted");
    const t0 = o.clock.now();
    const result = await run();
    say(`✓ ${what} (${((o.clock.now() - t0) / 1000).toFixed(1)}s)`);
    return result;
  };

  await freshDir(o.dir);
  const dirs = { repo: join(o.dir, "fleet"), kube: join(o.dir, "kubeconfigs"), nats: join(o.dir, "nats"), hub: join(o.dir, "hub"), keys: join(o.dir, "keys"), logs: join(o.dir, "logs"), work: join(o.dir, ".work") };
  for (const d of Object.values(dirs)) await mkdir(d, { recursive: true, mode: 0o700 });

  const clusters = demoClusters(o.clusters);
  const names = clusters.map((c) => c.name);
  const kubeconfigs = new Map(names.map((n) => [n, join(dirs.kube, `${n}.yaml`)]));
  let stopped = false;
  let converged = false;
  const logs = new Map<string, WriteStream>();
  /** Each child's output goes to its log file as it is printed, not only when the demo stops. */
  const logTo = (name: string): ((text: string) => void) => {
    const stream = createWriteStream(join(dirs.logs, `${name.replace(/\s+/g, "-")}.log`), { flags: "a", mode: 0o600 });
    stream.on("error", () => undefined);
    logs.set(name, stream);
    return (text) => {
      stream.write(text);
    };
  };
  const supervisor = new ProcessSupervisor({ logger: o.logger, stopGraceMs: 5_000 });
  const children: SupervisedChild[] = [];
  /** A child that exits before the demo is up ends the wait at once, with what it printed. */
  let crashed: { name: string; code: number | null; output: string } | undefined;
  const track = <C extends SupervisedChild>(child: C): C => {
    children.push(child);
    void child.exited.then((code) => {
      if (stopped) return;
      crashed ??= { name: child.name, code, output: child.output() };
      if (converged) {
        const last = child.output().trim().split("\n").slice(-3).join(" | ");
        event(`✗ ${child.name} exited (code ${String(code)}): ${last}`);
        event(`  its log: ${join(dirs.logs, `${child.name.replace(/\s+/g, "-")}.log`)}`);
      }
    });
    return child;
  };
  const flotilla = (args: readonly string[], what: string): Promise<string> =>
    runCommand({ command: o.flotilla.node, args: [o.flotilla.script, ...args], env: o.env, cwd: o.dir, what, signal: o.signal });
  const spawnFlotilla = async (name: string, args: readonly string[], ready: RegExp | undefined): Promise<SupervisedChild & { readyLine: string | undefined }> => {
    return track(await supervisor.start({ name, command: o.flotilla.node, args: [o.flotilla.script, ...args], env: o.env, cwd: o.dir, ready, readyTimeoutMs: 90_000, onOutput: logTo(name) }));
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await supervisor.stopAll();
    await Promise.all([...logs.values()].map((stream) => new Promise<void>((done) => stream.end(done))));
  };
  const wait: WaitContext = { o, crashed: () => crashed };
  const onAbort = (): void => {
    void supervisor.stopAll();
  };
  o.signal.addEventListener("abort", onAbort, { once: true });

  try {
    say(`Starting a ${String(clusters.length)}-cluster fleet in ${o.dir}`);

    // 1. The fleet repository, with the SOPS Secret encrypted to an age key only the clusters get.
    const ageKeyFile = join(dirs.keys, "sops-age.agekey");
    const repoHead = await step("fleet repo from examples/fleet, SOPS Secret encrypted to the demo's age key", async () => {
      const identity = await generateIdentity();
      await writePrivate(ageKeyFile, `${identity}\n`);
      const plain = join(dirs.work, "age-secret.yaml");
      await writePrivate(plain, secretManifest("age", { key: randomToken(o.random, 18) }));
      try {
        const encrypted = await flotilla(sopsEncryptArgs({ recipient: await identityToRecipient(identity), file: plain }), "flotilla sops encrypt");
        return await createFleetRepo({ examplesDir: o.examplesDir, repoDir: dirs.repo, clusters, sopsSecret: encrypted });
      } finally {
        await rm(plain, { force: true });
      }
    });

    // 2. NATS with one locked-down user per spoke.
    const natsPort = await freePort();
    const natsUrl = `nats://127.0.0.1:${String(natsPort)}`;
    await step(`nats-server on ${natsUrl} (per-spoke nkey users from flotilla nats-config)`, async () => {
      await flotilla(natsConfigArgs({ clusters: names, out: dirs.nats, listen: `127.0.0.1:${String(natsPort)}` }), "flotilla nats-config");
      track(
        await supervisor.start({ name: "nats-server", command: natsServer, args: ["-c", join(dirs.nats, "nats-server.conf")], env: o.env, ready: /Server is ready/, readyTimeoutMs: 30_000, onOutput: logTo("nats-server") }),
      );
    });

    // 3. The devclusters, each with the SOPS key in the spoke's namespace.
    await step(`${String(clusters.length)} devclusters (kubeconfigs in ${dirs.kube})`, async () => {
      await Promise.all(clusters.map((c) => spawnFlotilla(`devcluster ${c.name}`, devclusterArgs({ name: c.name, kubeconfig: kubeconfigs.get(c.name) ?? "", faults: o.faultsFile }), /ready at/)));
      // kubectl apply (JSON on the wire) creates the spoke's namespace and the SOPS key Secret.
      const keysManifest = join(dirs.work, "sops-keys.yaml");
      await writePrivate(keysManifest, sopsKeysManifest(await readFile(ageKeyFile, "utf8")));
      try {
        await Promise.all(names.map((n) => runCommand({ command: kubectl, args: ["--kubeconfig", kubeconfigs.get(n) ?? "", "apply", "-f", keysManifest], env: o.env, what: `kubectl apply (SOPS key for ${n})` })));
      } finally {
        await rm(keysManifest, { force: true });
      }
    });

    // 4. The hub.
    const port = o.port === 0 ? await freePort() : o.port;
    const hub = await step(`hub on http://127.0.0.1:${String(port)}`, () =>
      spawnFlotilla("hub", hubArgs({ natsUrl, nkey: join(dirs.nats, "hub.nk"), repo: dirs.repo, port, signingKey: join(dirs.hub, "signing-key.pem"), autoRollback: o.faultsFile !== undefined }), /listening on http/),
    );
    const hubUrl = /listening on (http\S+)/.exec(hub.readyLine ?? "")?.[1] ?? `http://127.0.0.1:${String(port)}`;
    const client = new HubClient({ url: hubUrl, signal: o.signal });
    const hubKey = await client.hubKey();

    // 5. One spoke per cluster, pinned to the hub's key.
    await step(`${String(clusters.length)} spokes connected`, async () => {
      for (const c of clusters) {
        await spawnFlotilla(`spoke ${c.name}`, spokeArgs({ cluster: c.name, natsUrl, nkey: join(dirs.nats, `${c.name}.nk`), hubKey, kubeconfig: kubeconfigs.get(c.name) ?? "" }), undefined);
      }
      await waitFor(wait, "every spoke to say hello", async () => {
        const list = await client.clusters();
        return names.every((n) => list.find((c) => c.name === n)?.connection === "Online") ? true : undefined;
      });
    });

    // 6. Seal the example Secret for the prod clusters with their own certificates, and commit it.
    const prod = clusters.filter((c) => c.labels.env === "prod").map((c) => c.name);
    let revision = repoHead;
    if (prod.length > 0) {
      revision = await step(`sealed mysecret for env=prod (${prod.join(", ")}) with flotilla seal --fleet --selector env=prod --hub, committed`, async () => {
        // Each prod spoke has sent the hub its certificate; `seal --hub` takes them from there.
        for (const n of prod) await waitFor(wait, `the sealing certificate of ${n}`, () => client.clusterCert(n));
        const plain = join(dirs.work, "mysecret.yaml");
        await writePrivate(plain, secretManifest("mysecret", { username: "payments", password: randomToken(o.random, 18) }));
        try {
          await flotilla(fleetSealArgs({ hubUrl, selector: "env=prod", secretFile: plain, out: join(dirs.repo, "apps", "payments", "sealedsecret.yaml") }), "flotilla seal --fleet");
        } finally {
          await rm(plain, { force: true });
        }
        return commitAll(dirs.repo, "seal mysecret for the prod clusters");
      });
    }

    // 7. Live progress until every cluster is Synced/Healthy at that commit.
    say("");
    say("Waiting for every cluster to be Synced and Healthy:");
    let shown: readonly string[] = [];
    await waitFor(
      wait,
      "the fleet to converge",
      async () => {
        const [list, sources] = await Promise.all([client.clusters(), client.sources()]);
        const view = fleetProgress({ names, clusters: list, sources, revision });
        if (view.lines.join("\n") !== shown.join("\n")) {
          if (o.interactive && shown.length > 0) o.out.write(`\x1b[${String(shown.length)}A`);
          for (const line of view.lines) o.out.write(o.interactive ? `\x1b[2K${line}\n` : `${line}\n`);
          shown = view.lines;
        }
        return view.converged ? true : undefined;
      },
      o.convergeTimeoutMs ?? 300_000,
      () => shown.join("\n"),
    );
    const elapsed = ((o.clock.now() - started) / 1000).toFixed(1);
    say("");
    say(`Fleet converged: ${String(clusters.length)} clusters Synced/Healthy in ${elapsed}s`);
    o.signal.removeEventListener("abort", onAbort);
    converged = true;
    const follow = async (): Promise<void> => {
      let last: FleetSnapshot | undefined;
      let hubDown = false;
      while (!o.signal.aborted) {
        try {
          const [list, sources, rollouts] = await Promise.all([client.clusters(), client.sources(), client.rollouts()]);
          const now: FleetSnapshot = { clusters: list, sources, rollouts };
          if (hubDown) event("hub: answering again");
          hubDown = false;
          if (last !== undefined) for (const line of fleetEvents(last, now)) event(line);
          last = now;
        } catch (err) {
          if (!o.signal.aborted && !hubDown) event(`hub: not answering (${errorMessage(err)})`);
          hubDown = true;
        }
        await o.clock.sleep(1_000, o.signal).catch(() => undefined);
      }
    };
    return { hubUrl, repoDir: dirs.repo, kubeconfigs, clusters, children, logsDir: dirs.logs, follow, stop };
  } catch (err) {
    o.signal.removeEventListener("abort", onAbort);
    await stop();
    if (o.signal.aborted) throw new FlotillaError("DEMO_INTERRUPTED", "interrupted; every process the demo started has been stopped");
    throw err;
  }
}

/** Polls until probe returns a value; Ctrl-C or the timeout ends the wait with a clear error. */
interface WaitContext {
  readonly o: DemoOptions;
  readonly crashed: () => { name: string; code: number | null; output: string } | undefined;
}

async function waitFor<T>(w: WaitContext, what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000, detail?: () => string): Promise<T> {
  const { o } = w;
  const deadline = o.clock.now() + timeoutMs;
  let lastError = "";
  for (;;) {
    if (o.signal.aborted) throw new FlotillaError("DEMO_INTERRUPTED", "interrupted");
    const crash = w.crashed();
    if (crash !== undefined) {
      const tail = crash.output.trim().split("\n").slice(-15).join("\n");
      throw new FlotillaError("DEMO_CHILD_EXITED", `${crash.name} exited (code ${String(crash.code)}) while waiting for ${what}; it printed:\n${tail}\nchild logs: ${join(o.dir, "logs")}`);
    }
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = errorMessage(err);
    }
    if (o.clock.now() > deadline) {
      const extra = [detail?.() ?? "", lastError === "" ? "" : `last error: ${lastError}`].filter((s) => s !== "").join("\n");
      throw new FlotillaError(DEMO_ERRORS.notConverged, `timed out after ${String(timeoutMs / 1000)}s waiting for ${what}${extra === "" ? "" : `\n${extra}`}\nchild logs: ${join(o.dir, "logs")}`);
    }
    await o.clock.sleep(500, o.signal).catch(() => undefined);
  }
}
