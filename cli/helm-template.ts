import { readFile, stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import type { Command } from "commander";
import {
  finishTemplateOutput,
  HELM_ERROR,
  HelmError,
  helmTemplate,
  isRenderPhaseError,
  releaseManifest,
  loadChart,
  loadChartArchive,
  type Chart,
} from "../helm/index.js";
import { ChartFetcher, chartRefOf, GitCredentials, type GitCredentialEntry } from "../gitops/index.js";
import { renderTemplate } from "../template/index.js";
import type { CliContext } from "./context.js";
import { collect, collectList } from "./flag-collectors.js";
import { writeOutputDir } from "./helm-output-dir.js";
import { findPostRenderer, runPostRenderer, type PostRenderer } from "./helm-post-renderer.js";
import { readChartDirectory } from "./helm-chart-dir.js";
import { keyringFor, verifyLocalChart } from "./helm-verify.js";

interface HelmTemplateFlags {
  readonly namespace?: string;
  readonly values?: string[];
  readonly set?: string[];
  readonly setString?: string[];
  readonly setFile?: string[];
  readonly setJson?: string[];
  readonly setLiteral?: string[];
  readonly kubeVersion?: string;
  readonly apiVersions?: string[];
  readonly includeCrds?: boolean;
  readonly skipTests?: boolean;
  readonly showOnly?: string[];
  readonly nameTemplate?: string;
  readonly releaseName?: boolean;
  readonly generateName?: boolean;
  readonly isUpgrade?: boolean;
  readonly skipSchemaValidation?: boolean;
  readonly repo?: string;
  readonly version?: string;
  readonly caFile?: string;
  readonly username?: string;
  readonly password?: string;
  readonly outputDir?: string;
  readonly postRenderer?: string;
  readonly postRendererArgs?: string[];
  readonly validate?: boolean;
  readonly verify?: boolean;
  readonly keyring?: string;
}

/** Kubernetes' DNS-1123 subdomain, as Helm validates release names (at most 53 characters). */
const VALID_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;


/** Helm's `NameAndChart`: `[NAME] CHART`, --name-template, --generate-name. */
function nameAndChart(args: readonly string[], opts: HelmTemplateFlags, ctx: CliContext): { name: string; chart: string } {
  const usage = (message: string): HelmError => new HelmError(HELM_ERROR.options, message);
  if (args.length === 0) throw usage('"helm template" requires at least 1 argument\n\nUsage:  helm template [NAME] [CHART] [flags]');
  if (args.length > 2) throw usage(`expected at most two arguments, unexpected arguments: ${args.slice(2).join(", ")}`);
  if (args.length === 2) {
    if (opts.generateName === true) throw usage("cannot set --generate-name and also specify a name");
    if (opts.nameTemplate !== undefined && opts.nameTemplate !== "") throw usage("cannot set --name-template and also specify a name");
    return { name: args[0] ?? "", chart: args[1] ?? "" };
  }
  const chart = args[0] ?? "";
  if (opts.nameTemplate !== undefined && opts.nameTemplate !== "") {
    let name: string;
    try {
      name = renderTemplate(opts.nameTemplate, null, { name: "name-template", functionSet: "sprig", missingKey: "default", clock: ctx.clock });
    } catch (err) {
      throw new HelmError(HELM_ERROR.options, err instanceof Error ? err.message : String(err), { field: "--name-template" });
    }
    return { name, chart };
  }
  if (opts.generateName === true) {
    let base = basename(chart);
    if (base === "." || base === "") base = "chart";
    const dot = base.indexOf(".");
    if (dot !== -1) base = base.slice(0, dot);
    return { name: `${base}-${Math.floor(ctx.clock.now() / 1000)}`, chart };
  }
  // helm template's default release name.
  return { name: "release-name", chart };
}

/** `helm template`'s chart argument: a chart directory or a packaged chart (.tgz). */
export async function loadLocalChart(path: string, cwd: string): Promise<Chart> {
  const full = resolve(cwd, path);
  let info;
  try {
    info = await stat(full);
  } catch {
    throw new HelmError(HELM_ERROR.chartNotFound, `path ${JSON.stringify(path)} not found`, { file: path, chart: path });
  }
  if (info.isDirectory()) return loadChart(await readChartDirectory(full), { source: path });
  return loadChartArchive(await readFile(full), { source: path });
}

/**
 * Helm's LocateChart: `--repo URL CHART` (index.yaml) or `oci://host/path/chart`, at `--version`
 * (a version or a constraint), fetched as the hub fetches charts (digest-verified, size-limited,
 * credentials over https only); otherwise a local directory or .tgz (`--version` is then ignored, as helm does).
 */
async function locateChart(chartPath: string, opts: HelmTemplateFlags, ctx: CliContext): Promise<Chart> {
  const oci = chartPath.startsWith("oci://");
  const keyring = await keyringFor(opts, ctx);
  if (!oci && opts.repo === undefined) {
    if (keyring !== undefined) await verifyLocalChart(chartPath, keyring, ctx);
    return loadLocalChart(chartPath, ctx.cwd);
  }
  const field = oci ? "CHART" : "--repo";
  const where = { field };
  let source: { repoURL: string; chart: string; targetRevision: string };
  if (oci) {
    if (opts.repo !== undefined) throw new HelmError(HELM_ERROR.options, "--repo cannot be used with an oci:// chart reference", { field: "--repo" });
    const slash = chartPath.lastIndexOf("/");
    source = { repoURL: chartPath.slice(0, slash), chart: chartPath.slice(slash + 1), targetRevision: opts.version ?? "" };
  } else {
    source = { repoURL: opts.repo ?? "", chart: chartPath, targetRevision: opts.version ?? "" };
  }
  const ref = chartRefOf(source, where);
  const entries: GitCredentialEntry[] = [];
  if (opts.username !== undefined || opts.password !== undefined) {
    const url = ref.kind === "repo" ? ref.url : `https://${ref.registry}/${ref.repository}`;
    if (!url.startsWith("https://")) throw new HelmError(HELM_ERROR.options, `--username/--password are sent over https only, not to ${url}`, { field: "--password" });
    entries.push({ url, username: opts.username ?? "", password: opts.password ?? "", origin: { field: "--password" } });
  }
  let ca: string | undefined;
  if (opts.caFile !== undefined) {
    try {
      ca = await readFile(resolve(ctx.cwd, opts.caFile), "utf8");
    } catch {
      throw new HelmError(HELM_ERROR.options, `open ${opts.caFile}: no such file or directory`, { field: "--ca-file", file: opts.caFile });
    }
  }
  const fetcher = new ChartFetcher({ credentials: new GitCredentials({ entries }).resolver(), http: { ca }, logger: ctx.logger(), provenance: keyring });
  const archive = await fetcher.fetch(ref, where);
  ctx.logger().debug({ chart: archive.location, version: archive.version, digest: archive.digest }, "chart fetched");
  return loadChartArchive(archive.bytes, { source: `${archive.location}:${archive.version}` });
}

function readLocalFile(cwd: string): (path: string) => string {
  // --set-file and -f are read before rendering; errors name the path as Helm does.
  return (path: string) => {
    throw new HelmError(HELM_ERROR.options, `open ${path}: file reading happens before rendering (${cwd})`);
  };
}

export function registerHelmTemplate(helm: Command, ctx: CliContext): void {
  helm
    .command("template")
    .description("locally render a chart's templates, as `helm template` does (no helm binary, no cluster)")
    .argument("[args...]", "[NAME] CHART: a release name (optional) and a chart directory or .tgz")
    .option("-n, --namespace <ns>", "namespace scope for the release (.Release.Namespace)", "default")
    .option("-f, --values <files>", "values YAML file(s) (repeatable, comma-separated)", collectList)
    .option("--set <values>", "set values on the command line (a.b=c,x[0]=y; repeatable)", collect)
    .option("--set-string <values>", "set STRING values on the command line (repeatable)", collect)
    .option("--set-file <values>", "set values from files (key=path; repeatable)", collect)
    .option("--set-json <values>", "set JSON values on the command line (key=jsonval; repeatable)", collect)
    .option("--set-literal <value>", "set a literal STRING value on the command line (repeatable)", collect)
    .option("--kube-version <version>", "Kubernetes version used for Capabilities.KubeVersion")
    .option("-a, --api-versions <versions>", "Kubernetes api versions used for Capabilities.APIVersions (repeatable, comma-separated)", collectList)
    .option("--include-crds", "include CRDs in the templated output")
    .option("--skip-tests", "skip tests from templated output")
    .option("-s, --show-only <path>", "only show manifests rendered from the given templates (repeatable)", collect)
    .option("--name-template <template>", "specify template used to name the release")
    .option("--release-name", "use release name in the output-dir path")
    .option("-g, --generate-name", "generate the name (and omit the NAME parameter)")
    .option("--is-upgrade", "set .Release.IsUpgrade instead of .Release.IsInstall")
    .option("--skip-schema-validation", "disable JSON schema validation")
    .option("--repo <url>", "chart repository url where to locate the requested chart")
    .option("--version <constraint>", "specify a version constraint for the chart version to use (exact version, ^1.2, >=1.0 <2, …; default the latest)")
    .option("--ca-file <file>", "verify certificates of HTTPS-enabled servers using this CA bundle")
    .option("--username <name>", "chart repository username where to locate the requested chart")
    .option("--password <password>", "chart repository password where to locate the requested chart (sent over https only)")
    .option("--output-dir <dir>", "writes the executed templates to files in output-dir instead of stdout")
    .option("--post-renderer <path>", "the path to an executable to be used for post rendering (searched in $PATH when it has no /)")
    .option("--post-renderer-args <arg>", "an argument to the post-renderer (repeatable)", collect)
    .option("--verify", "verify the chart's provenance (.prov) before using it")
    .option("--keyring <file>", "keyring of public keys used for verification (default $GNUPGHOME/pubring.gpg or ~/.gnupg/pubring.gpg)")
    .option("--validate", "validate against a cluster (not supported: flotilla renders without a cluster)")
    .action(async (args: string[], opts: HelmTemplateFlags) => {
      if (opts.postRendererArgs !== undefined && opts.postRenderer === undefined) {
        throw new HelmError(HELM_ERROR.options, "--post-renderer-args needs --post-renderer", { field: "--post-renderer-args" });
      }
      if (opts.validate === true) throw new HelmError(HELM_ERROR.options, "--validate needs a cluster; flotilla renders without one", { field: "--validate" });
      const { name, chart: chartPath } = nameAndChart(args, opts, ctx);
      if (name === "" || name.length > 53 || !VALID_NAME.test(name)) {
        const why = name === "" ? "no name provided" : `invalid release name, must match regex ${VALID_NAME.source} and the length must not be longer than 53`;
        throw new HelmError(HELM_ERROR.options, `release name ${JSON.stringify(name)}: ${why}`);
      }
      const valueFiles: Array<{ name: string; text: string }> = [];
      for (const f of opts.values ?? []) {
        try {
          valueFiles.push({ name: f, text: await readFile(resolve(ctx.cwd, f), "utf8") });
        } catch {
          throw new HelmError(HELM_ERROR.options, `open ${f}: no such file or directory`, { file: f, field: "--values" });
        }
      }
      const setFiles = new Map<string, string>();
      for (const s of opts.setFile ?? []) {
        // Each `key=path` pair's path is read up front; the parser then looks it up.
        for (const pair of s.split(",")) {
          const eq = pair.indexOf("=");
          if (eq < 0) continue;
          const p = pair.slice(eq + 1);
          try {
            setFiles.set(p, await readFile(resolve(ctx.cwd, p), "utf8"));
          } catch {
            throw new HelmError(HELM_ERROR.options, `failed parsing --set-file data: open ${p}: no such file or directory`, { field: "--set-file", file: p });
          }
        }
      }
      // Helm finds the program when it reads the flag, before anything is rendered.
      let postRenderer: PostRenderer | undefined;
      if (opts.postRenderer !== undefined) postRenderer = await findPostRenderer(opts.postRenderer, opts.postRendererArgs ?? [], { cwd: ctx.cwd, PATH: ctx.env["PATH"] });
      const fallback = readLocalFile(ctx.cwd);
      const chart = await locateChart(chartPath, opts, ctx);
      const output = { includeCrds: opts.includeCrds === true, skipTests: opts.skipTests === true, showOnly: opts.showOnly };
      // With either flag the text is put together below (--show-only applies to what is printed last).
      const plain = opts.outputDir === undefined && postRenderer === undefined;
      try {
        const { output: text, rendered } = helmTemplate(chart, {
          releaseName: name,
          namespace: opts.namespace ?? "default",
          values: { valueFiles, set: opts.set, setString: opts.setString, setFile: opts.setFile, setJson: opts.setJson, setLiteral: opts.setLiteral },
          readFile: (p) => setFiles.get(p) ?? fallback(p),
          kubeVersion: opts.kubeVersion,
          apiVersions: opts.apiVersions,
          ...output,
          showOnly: plain ? output.showOnly : undefined,
          isUpgrade: opts.isUpgrade === true,
          skipSchemaValidation: opts.skipSchemaValidation === true,
          clock: ctx.clock,
          warn: (m) => ctx.logger().debug({ chart: chart.metadata.name }, m),
        });
        if (plain) {
          ctx.stdout.write(text);
          return;
        }
        // As renderResources: with --output-dir the documents go to files and the release manifest
        // (what a post-renderer receives, and what is printed) stays empty.
        let manifest = "";
        if (opts.outputDir !== undefined) {
          await writeOutputDir(rendered, { dir: opts.outputDir, releaseName: opts.releaseName === true ? name : undefined, includeCrds: output.includeCrds, skipTests: output.skipTests, cwd: ctx.cwd, print: (line) => ctx.stdout.write(`${line}\n`) });
        } else manifest = releaseManifest(rendered, output);
        if (postRenderer !== undefined) manifest = await runPostRenderer(postRenderer, manifest, { cwd: ctx.cwd, stderr: ctx.stderr });
        ctx.stdout.write(finishTemplateOutput(manifest, rendered, { ...output, hooks: opts.outputDir === undefined }));
      } catch (err) {
        // helm template adds this hint to errors raised while rendering the release.
        if (err instanceof HelmError && (isRenderPhaseError(err) || err.code === HELM_ERROR.postRender || err.field === "--output-dir")) {
          throw new HelmError(err.code, `${err.message}\n\nUse --debug flag to render out invalid YAML`, { chart: err.chart, file: err.file, line: err.line, cause: err });
        }
        throw err;
      }
    });
}
