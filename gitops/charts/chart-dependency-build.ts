import { loadChart, readChartArchive, type Chart, type ChartDependency } from "../../helm/index.js";
import { GITOPS_ERROR, GitOpsError } from "../gitops-errors.js";
import { formatChartLock, hashRequirements, parseChartLock, rfc3339Nano, type ChartLock, type LockedDependency } from "./chart-lock.js";
import { packChartFiles } from "./chart-pack.js";
import { parseChartConstraint, parseChartVersion } from "./chart-version.js";

// Helm's `helm dependency build` and `helm dependency update` (pkg/downloader/manager.go at
// v3.17.2) on a chart's file map: Build uses Chart.lock when it is in sync with Chart.yaml (else
// fails as helm does), Update resolves every constraint and writes a new lock. The fetching is
// the caller's: `remote` goes through the source policy and credential scoping of chart sources,
// `local` reads `file://` charts confined to where the caller allows.

/** Where a dependency comes from, after `@name` / `alias:name` are looked up. */
export type DependencyRepo =
  | { readonly kind: "vendored" }
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "remote"; readonly repoURL: string };

export interface DependencyPorts {
  /** Fetches chart `chart` at `version` (exact, or a constraint) from an https Helm repository or an oci:// registry. */
  remote(req: { readonly repoURL: string; readonly chart: string; readonly version: string }, where: Where): Promise<{ readonly version: string; readonly bytes: Uint8Array }>;
  /** The files of the chart directory a `file://` dependency names (`path` as written after `file://`); undefined when there is none. */
  local(path: string, where: Where): Promise<ReadonlyMap<string, Uint8Array> | undefined>;
  /** Named repositories (`@name`, `alias:name`): name → https or oci:// URL. */
  readonly repoNames?: ReadonlyMap<string, string> | undefined;
  readonly now?: (() => Date) | undefined;
  /** helm's progress lines ("Saving 2 charts", "Downloading x from repo y"). */
  readonly out?: ((line: string) => void) | undefined;
}

export interface DependencyBuildResult {
  /** Archives to write: `charts/<name>-<version>.tgz`. */
  readonly added: ReadonlyMap<string, Uint8Array>;
  /** Outdated archives in charts/ helm deletes (chart-relative paths). */
  readonly removed: readonly string[];
  readonly lock: ChartLock;
  /** The lock file to write (`update` only, when its digest changed). */
  readonly lockFile: { readonly name: string; readonly text: string } | undefined;
  /** The remote repositories read (so a cached result can be checked against another requester's policy). */
  readonly remotes: readonly string[];
}

type Where = { readonly file?: string | undefined; readonly field: string };

export interface DependencyBuildOptions {
  readonly mode: "build" | "update";
  /** The chart's directory (repository path or local path), for messages. */
  readonly chart: string;
  readonly where: Where;
}

/** Reads a dependency's `repository`: vendored (""), `file://path`, `@name`/`alias:name`, https or oci://. */
export function dependencyRepo(dep: ChartDependency, repoNames: ReadonlyMap<string, string> | undefined, where: Where): DependencyRepo {
  const repo = (dep.repository ?? "").trim();
  const fail = (why: string): GitOpsError => new GitOpsError(GITOPS_ERROR.chartDependency, `dependency ${JSON.stringify(dep.name)}: ${why}`, where);
  if (repo === "") return { kind: "vendored" };
  if (repo.startsWith("file://")) return { kind: "file", path: repo.slice("file://".length) };
  const alias = repo.startsWith("@") ? repo.slice(1) : repo.startsWith("alias:") ? repo.slice("alias:".length) : undefined;
  if (alias !== undefined) {
    const url = repoNames?.get(alias);
    if (url === undefined) throw fail(`no repository definition for ${repo}; name it in the configured Helm repositories`);
    return remoteRepo(url, fail);
  }
  return remoteRepo(repo, fail);
}

function remoteRepo(url: string, fail: (why: string) => GitOpsError): DependencyRepo {
  if (/^oci:\/\//iu.test(url) || /^https:\/\//iu.test(url)) return { kind: "remote", repoURL: url.replace(/\/+$/u, "") };
  if (/^http:\/\//iu.test(url)) throw fail(`repository ${JSON.stringify(url)} is plain http: chart repositories are read over https only`);
  throw fail(`repository ${JSON.stringify(url)} is not https://, oci://, file:// or @name`);
}

/** Chart.yaml's dependencies that no subchart in charts/ provides (helm's CheckDependencies, by name). */
export function missingDependencies(chart: Chart): string[] {
  const present = new Set(chart.dependencies.map((d) => d.metadata.name));
  return (chart.metadata.dependencies ?? []).map((d) => d.name).filter((n) => !present.has(n));
}

function lockName(chart: Chart): string {
  return chart.metadata.apiVersion === "v1" ? "requirements.lock" : "Chart.lock";
}

/** `helm dependency build` (mode build) or `update` on `files`; nothing is written, the caller applies the result. */
export async function buildChartDependencies(files: ReadonlyMap<string, Uint8Array>, options: DependencyBuildOptions, ports: DependencyPorts): Promise<DependencyBuildResult> {
  const { where } = options;
  const chart = await loadChart(files, { source: options.chart });
  // helm's Update: no dependencies is a success with nothing to do (no lock written).
  if (chart.metadata.dependencies === undefined) return { added: new Map(), removed: [], remotes: [], lock: { generated: "", digest: "", dependencies: [] }, lockFile: undefined };
  const reqs = chart.metadata.dependencies;
  const repos = reqs.map((d) => dependencyRepo(d, ports.repoNames, where));
  // resolveRepoNames rewrites `@name` to its URL before hashing.
  const resolved: ChartDependency[] = reqs.map((d, i) => {
    const r = repos[i];
    return r.kind === "remote" ? { ...d, repository: r.repoURL === (d.repository ?? "").replace(/\/+$/u, "") ? d.repository ?? "" : r.repoURL } : d;
  });
  const lockFileName = lockName(chart);
  const lockBytes = files.get(lockFileName);
  const oldLock = lockBytes === undefined ? undefined : parseChartLock(new TextDecoder().decode(lockBytes), { file: `${options.chart}/${lockFileName}`, field: "dependencies" });
  if (options.mode === "build" && oldLock !== undefined) {
    if (hashRequirements(resolved, oldLock.dependencies) !== oldLock.digest) {
      const source = chart.metadata.apiVersion === "v1" ? "requirements.yaml" : "Chart.yaml";
      throw new GitOpsError(GITOPS_ERROR.chartDependency, `the lock file (${lockFileName}) is out of sync with the dependencies file (${source}). Please update the dependencies`, { file: `${options.chart}/${lockFileName}`, field: "digest" });
    }
    const locked = oldLock.dependencies.map((l) => ({ ...l, repository: lockedRepository(l, resolved) }));
    const saved = await downloadAll(locked, files, options, ports);
    return { ...saved, lock: oldLock, lockFile: undefined };
  }
  const saved = await downloadAll(
    resolved.map((d) => ({ name: d.name, version: d.version ?? "", repository: d.repository ?? "" })),
    files,
    options,
    ports,
  );
  const digest = hashRequirements(resolved, saved.locked);
  const lock: ChartLock = { generated: rfc3339Nano((ports.now ?? (() => new Date()))()), digest, dependencies: saved.locked };
  const lockFile = oldLock !== undefined && oldLock.digest === digest ? undefined : { name: lockFileName, text: formatChartLock(lock) };
  return { added: saved.added, removed: saved.removed, remotes: saved.remotes, lock, lockFile };
}

/** A lock entry naming `@name` is read through the same names as Chart.yaml. */
function lockedRepository(l: LockedDependency, resolved: readonly ChartDependency[]): string {
  if (!l.repository.startsWith("@") && !l.repository.startsWith("alias:")) return l.repository;
  return resolved.find((d) => d.name === l.name)?.repository ?? l.repository;
}

interface Saved {
  readonly added: Map<string, Uint8Array>;
  readonly removed: string[];
  readonly remotes: string[];
  readonly locked: LockedDependency[];
}

/** downloadAll + safeMoveDeps: every dependency into charts/, outdated archives out. */
async function downloadAll(deps: readonly LockedDependency[], files: ReadonlyMap<string, Uint8Array>, options: DependencyBuildOptions, ports: DependencyPorts): Promise<Saved> {
  const { where } = options;
  const out = ports.out ?? (() => undefined);
  const added = new Map<string, Uint8Array>();
  const remotes: string[] = [];
  const locked: LockedDependency[] = [];
  const seen = new Set<string>();
  const vendored = new Set<string>();
  out(`Saving ${deps.length} charts`);
  for (const dep of deps) {
    const fail = (why: string): GitOpsError => new GitOpsError(GITOPS_ERROR.chartDependency, why, where);
    const repo = dependencyRepo(dep, ports.repoNames, where);
    if (repo.kind === "vendored") {
      out(`Dependency ${dep.name} did not declare a repository. Assuming it exists in the charts directory`);
      vendored.add(dep.name);
      const sub = subdirectory(files, `charts/${dep.name}/`);
      if (!sub.has("Chart.yaml")) throw fail(`unable to load chart '${options.chart}/charts/${dep.name}': Chart.yaml file is missing`);
      const version = (await loadChart(sub, { source: `${options.chart}/charts/${dep.name}` })).metadata.version;
      if (!satisfies(dep.version, version, where)) throw fail(`dependency ${dep.name} at version ${version} does not satisfy the constraint ${dep.version}`);
      locked.push({ name: dep.name, repository: "", version: dep.version });
      continue;
    }
    if (repo.kind === "file") {
      const local = await ports.local(repo.path, where);
      if (local === undefined) throw fail(`directory ${repo.path} not found (dependency ${JSON.stringify(dep.name)}, repository ${dep.repository})`);
      const sub = await loadChart(local, { source: repo.path });
      if (!satisfies(dep.version, sub.metadata.version, where)) throw fail(`can't get a valid version for dependency ${dep.name}`);
      added.set(`charts/${sub.metadata.name}-${sub.metadata.version}.tgz`, await packChartFiles(sub.metadata.name, local));
      locked.push({ name: dep.name, repository: dep.repository, version: sub.metadata.version });
      continue;
    }
    const key = `${repo.repoURL}\0${dep.name}\0${dep.version}`;
    if (seen.has(key)) {
      out(`Already downloaded ${dep.name} from repo ${dep.repository}`);
      continue;
    }
    seen.add(key);
    out(`Downloading ${dep.name} from repo ${dep.repository}`);
    remotes.push(repo.repoURL);
    const got = await ports.remote({ repoURL: repo.repoURL, chart: dep.name, version: dep.version }, where);
    added.set(`charts/${dep.name}-${got.version}.tgz`, got.bytes);
    locked.push({ name: dep.name, repository: dep.repository, version: got.version });
  }
  out("Deleting outdated charts");
  const removed: string[] = [];
  for (const [path, data] of files) {
    if (!/^charts\/[^/]+\.tgz$/u.test(path) || added.has(path)) continue;
    let name: string;
    try {
      name = (await loadChart(await readChartArchive(data, { source: path }), { source: path, directory: false })).metadata.name;
    } catch {
      continue; // helm skips what it cannot verify
    }
    if (!vendored.has(name)) removed.push(path);
  }
  return { added, removed, remotes, locked };
}

function subdirectory(files: ReadonlyMap<string, Uint8Array>, prefix: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [k, v] of files) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), v);
  return out;
}

function satisfies(constraint: string, version: string, where: Where): boolean {
  if (parseChartVersion(version) === undefined) return false;
  return parseChartConstraint(constraint, where).test(version);
}

/** Applies a build result to a file map (what writing charts/ and the lock file does on disk). */
export function withDependencies(files: ReadonlyMap<string, Uint8Array>, result: DependencyBuildResult): Map<string, Uint8Array> {
  const out = new Map(files);
  for (const path of result.removed) out.delete(path);
  for (const [path, data] of result.added) out.set(path, data);
  if (result.lockFile !== undefined) out.set(result.lockFile.name, new TextEncoder().encode(result.lockFile.text));
  return out;
}
