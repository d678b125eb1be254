import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { HELM_ERROR, HelmError, loadChart, readChartArchive } from "../helm/index.js";
import {
  buildChartDependencies,
  ChartFetcher,
  chartRefOf,
  GitCredentials,
  parseChartConstraint,
  parseChartVersion,
  type GitCredentialEntry,
} from "../gitops/index.js";
import type { CliContext } from "./context.js";
import { isDirectory, readChartDirectory } from "./helm-chart-dir.js";

interface DependencyFlags {
  readonly repositoryConfig?: string;
  readonly caFile?: string;
  readonly skipRefresh?: boolean;
}

interface NamedRepos {
  readonly names: Map<string, string>;
  readonly entries: GitCredentialEntry[];
}

/** helm's repositories.yaml (`repositories: [{name, url, username, password}]`): names for `@name`, credentials by URL. */
async function readRepositoryConfig(path: string | undefined, cwd: string): Promise<NamedRepos> {
  const names = new Map<string, string>();
  const entries: GitCredentialEntry[] = [];
  if (path === undefined) return { names, entries };
  let doc: unknown;
  try {
    doc = parseYaml(await readFile(resolve(cwd, path), "utf8"));
  } catch {
    throw new HelmError(HELM_ERROR.options, `cannot read the repository config ${path}`, { file: path, field: "--repository-config" });
  }
  const list = typeof doc === "object" && doc !== null && Array.isArray((doc as Record<string, unknown>)["repositories"]) ? ((doc as Record<string, unknown>)["repositories"] as unknown[]) : [];
  list.forEach((r, i) => {
    const o = (typeof r === "object" && r !== null ? r : {}) as Record<string, unknown>;
    const name = o["name"];
    const url = o["url"];
    if (typeof name !== "string" || typeof url !== "string") throw new HelmError(HELM_ERROR.options, `repositories[${i}] needs a name and a url`, { file: path, field: `repositories[${i}]` });
    names.set(name, url.replace(/\/+$/u, ""));
    const password = o["password"];
    if (typeof password === "string" && password !== "") {
      if (!url.startsWith("https://") && !url.startsWith("oci://")) throw new HelmError(HELM_ERROR.options, `repository ${name}: credentials are sent over https only, not to ${url}`, { file: path, field: `repositories[${i}].password` });
      entries.push({ url: url.replace(/^oci:\/\//u, "https://"), username: typeof o["username"] === "string" ? o["username"] : "", password, origin: { file: path, field: `repositories[${i}]` } });
    }
  });
  return { names, entries };
}

async function chartDir(chart: string, cwd: string): Promise<string> {
  const dir = resolve(cwd, chart);
  if (!(await isDirectory(dir))) throw new HelmError(HELM_ERROR.chartNotFound, `could not find ${chart}: only unpacked charts can be updated`, { file: chart, chart });
  return dir;
}

async function runBuild(mode: "build" | "update", chart: string, opts: DependencyFlags, ctx: CliContext): Promise<void> {
  const dir = await chartDir(chart, ctx.cwd);
  const repos = await readRepositoryConfig(opts.repositoryConfig, ctx.cwd);
  let ca: string | undefined;
  if (opts.caFile !== undefined) {
    try {
      ca = await readFile(resolve(ctx.cwd, opts.caFile), "utf8");
    } catch {
      throw new HelmError(HELM_ERROR.options, `open ${opts.caFile}: no such file or directory`, { field: "--ca-file", file: opts.caFile });
    }
  }
  const fetcher = new ChartFetcher({ credentials: new GitCredentials({ entries: repos.entries }).resolver(), http: { ca }, logger: ctx.logger() });
  const out = (line: string): void => {
    ctx.stdout.write(`${line}\n`);
  };
  const files = await readChartDirectory(dir);
  const result = await buildChartDependencies(
    files,
    { mode, chart, where: { file: join(chart, "Chart.yaml"), field: "dependencies" } },
    {
      remote: async (req, where) => fetcher.fetch(chartRefOf({ repoURL: req.repoURL, chart: req.chart, targetRevision: req.version }, where), where),
      // `file://` paths are the user's own disk here: relative to the chart, or absolute.
      local: async (path) => {
        const target = isAbsolute(path) ? path : resolve(dir, path);
        return (await isDirectory(target)) ? readChartDirectory(target) : undefined;
      },
      repoNames: repos.names,
      now: () => new Date(ctx.clock.now()),
      out,
    },
  );
  for (const path of result.removed) await rm(join(dir, path), { force: true });
  for (const [path, data] of result.added) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), data);
  }
  if (result.lockFile !== undefined) await writeFile(join(dir, result.lockFile.name), result.lockFile.text);
}

/** uitable's layout: cells padded to their column's width, joined by tabs. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, i) => Math.min(80, Math.max(...rows.map((r) => (r[i] ?? "").length))));
  return rows.map((r) => r.map((c, i) => c.slice(0, 80).padEnd(widths[i] ?? 0)).join("\t")).join("\n");
}

function versionStatus(constraint: string, version: string): string | undefined {
  if (version === constraint) return undefined;
  try {
    const c = parseChartConstraint(constraint, { field: "version" });
    if (parseChartVersion(version) === undefined) return "invalid version";
    return c.test(version) ? undefined : "wrong version";
  } catch {
    return "invalid version";
  }
}

async function runList(chart: string, ctx: CliContext): Promise<void> {
  const dir = await chartDir(chart, ctx.cwd);
  const files = await readChartDirectory(dir);
  const loaded = await loadChart(files, { source: chart });
  const deps = loaded.metadata.dependencies;
  if (deps === undefined) {
    ctx.stdout.write(`WARNING: no dependencies at ${join(chart, "charts")}\n`);
    return;
  }
  const archives = new Map<string, { name: string; version: string } | "corrupt">();
  for (const [path, data] of files) {
    if (!/^charts\/[^/]+\.tgz$/u.test(path)) continue;
    try {
      const c = await loadChart(await readChartArchive(data, { source: path }), { source: path, directory: false });
      archives.set(path.slice("charts/".length), { name: c.metadata.name, version: c.metadata.version });
    } catch {
      archives.set(path.slice("charts/".length), "corrupt");
    }
  }
  const status = (dep: { name: string; version?: string | undefined }): string => {
    const constraint = dep.version ?? "";
    const found = [...archives.keys()].filter((f) => f.startsWith(`${dep.name}-`) && /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/u.test(f.slice(dep.name.length + 1, -4)));
    if (found.length > 1) return "too many matches";
    if (found.length === 1) {
      const a = archives.get(found[0])!;
      if (a === "corrupt") return "corrupt";
      if (a.name !== dep.name) return "misnamed";
      return versionStatus(constraint, a.version) ?? "ok";
    }
    const sub = loaded.dependencies.find((d) => d.metadata.name === dep.name);
    if (sub === undefined) return "missing";
    return versionStatus(constraint, sub.metadata.version) ?? "unpacked";
  };
  const rows = [["NAME", "VERSION", "REPOSITORY", "STATUS"], ...deps.map((d) => [d.name, d.version ?? "", d.repository ?? "", status(d)])];
  ctx.stdout.write(`${table(rows)}\n\n`);
  const names = new Set(deps.map((d) => d.name));
  for (const [file, a] of archives) {
    if (a === "corrupt") ctx.stdout.write(`WARNING: ${JSON.stringify(join(dir, "charts", file))} is not a chart.\n`);
    else if (!names.has(a.name)) ctx.stdout.write(`WARNING: ${JSON.stringify(join(dir, "charts", file))} is not in Chart.yaml.\n`);
  }
  for (const sub of loaded.dependencies) {
    if (!names.has(sub.metadata.name) && ![...archives.values()].some((a) => a !== "corrupt" && a.name === sub.metadata.name)) {
      ctx.stdout.write(`WARNING: ${JSON.stringify(join(dir, "charts", sub.metadata.name))} is not in Chart.yaml.\n`);
    }
  }
}

/** `flotilla helm dependency build|update|list CHART`: helm's dependency manager in process. */
export function registerHelmDependency(helm: Command, ctx: CliContext): void {
  const dep = helm.command("dependency").alias("dep").alias("dependencies").description("manage a chart's dependencies (charts/ and Chart.lock), as `helm dependency` does");
  const common = (cmd: Command): Command =>
    cmd
      .option("--repository-config <file>", "a helm repositories.yaml: names for `@name` repositories and their credentials (sent over https only)")
      .option("--ca-file <file>", "verify certificates of HTTPS-enabled servers using this CA bundle")
      .option("--skip-refresh", "do not refresh the local repository cache (flotilla keeps none: accepted for compatibility)");
  common(dep.command("build").argument("CHART", "a chart directory").description("rebuild charts/ from Chart.lock (or resolve Chart.yaml's constraints when there is no lock)")).action(
    (chart: string, opts: DependencyFlags) => runBuild("build", chart, opts, ctx),
  );
  common(dep.command("update").alias("up").argument("CHART", "a chart directory").description("resolve Chart.yaml's constraints, download into charts/ and write Chart.lock")).action(
    (chart: string, opts: DependencyFlags) => runBuild("update", chart, opts, ctx),
  );
  dep
    .command("list")
    .alias("ls")
    .argument("CHART", "a chart directory")
    .description("list the dependencies of a chart and whether charts/ holds them")
    .action((chart: string) => runList(chart, ctx));
}
