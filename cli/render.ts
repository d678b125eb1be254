import { resolve } from "node:path";
import { stringify } from "yaml";
import { FlotillaError } from "../core/index.js";
import { GitCredentials, loadGitCredentialsFile, RenderPool, renderFleet, tryParseRemoteRepoURL, type FleetRender, type GitAuth, type GitCredentialEntry } from "../gitops/index.js";
import type { CliContext, CommandRegistrar } from "./context.js";
import { addRenderBudgetFlags, renderBudgetFrom, type RenderBudgetFlags } from "./render-budget-flags.js";

interface RenderFlags extends RenderBudgetFlags {
  readonly revision?: string;
  readonly cluster?: string[];
  readonly app?: string[];
  readonly output: string;
  readonly appsetPath?: string;
  readonly clustersPath?: string;
  readonly gitCredentialsFile?: string;
  readonly allowInsecureHttpCredentials?: boolean;
  readonly allowRemoteBases?: boolean;
}

/** HTTPS credentials from the environment: a token, or a username and password. */
export function gitCredentials(env: CliContext["env"]): GitAuth | undefined {
  const token = env["FLOTILLA_GIT_TOKEN"];
  const username = env["FLOTILLA_GIT_USERNAME"];
  const password = env["FLOTILLA_GIT_PASSWORD"];
  if (token !== undefined && token !== "") return { token, username };
  if (username !== undefined && username !== "") return { username, password };
  return undefined;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The stable JSON of `flotilla render -o json` (docs/fleet-repo.md). */
export function renderJson(result: FleetRender): unknown {
  return {
    revision: result.revision,
    clusters: result.clusters.map((cluster) => ({
      name: cluster.name,
      digest: cluster.digest,
      apps: cluster.apps.map((app) => ({
        name: app.name,
        appSet: app.appSet,
        namespace: app.namespace,
        objects: app.objects,
        digest: app.digest,
        ...(app.error === undefined ? {} : { error: app.error }),
      })),
    })),
    errors: result.errors,
  };
}

function renderYaml(result: FleetRender): string {
  let out = `# revision: ${result.revision}\n`;
  for (const cluster of result.clusters) {
    for (const app of cluster.apps) {
      out += `# cluster: ${cluster.name}  app: ${app.name}  namespace: ${app.namespace}  digest: ${app.digest}\n`;
      if (app.error !== undefined) {
        out += `# error[${app.error.code}]: ${app.error.message}\n`;
        continue;
      }
      for (const obj of app.objects) out += `---\n${stringify(obj, { lineWidth: 0 })}`;
    }
  }
  return out;
}

function describe(error: { code: string; message: string; file?: string | undefined; field?: string | undefined }): string {
  const where = [error.file, error.field].filter((p) => p !== undefined && p !== "").join(": ");
  return `error[${error.code}]: ${where === "" ? "" : `${where}: `}${error.message}`;
}

export const registerRender: CommandRegistrar = (program, ctx) => {
  const command = program
    .command("render")
    .description("render a fleet repository: the objects each cluster runs, per app")
    .argument("<repo>", "a local path (git repository or plain directory) or an https URL")
    .option("--revision <rev>", "branch, tag or commit to render (default: a local repository's working tree, uncommitted changes included; HEAD of a remote one)")
    .option("--cluster <name>", "render only this cluster (repeatable)", collect)
    .option("--app <name>", "render only this app (repeatable)", collect)
    .option("--appset-path <dir>", "where ApplicationSets are searched (default: the whole repository)")
    .option("--clusters-path <dir>", "where clusters are declared", "clusters")
    .option("-o, --output <format>", "yaml or json", "yaml")
    .option("--git-credentials-file <file>", "credentials by URL prefix, as for flotilla hub (FLOTILLA_GIT_TOKEN covers only <repo>)")
    .option("--allow-insecure-http-credentials", "let credentials go to http:// URLs configured for them (development only)")
    .option("--allow-remote-bases", "let kustomizations name remote bases (git/https); file: is refused always");
  addRenderBudgetFlags(command).action(async (repo: string, opts: RenderFlags) => {
      if (opts.output !== "yaml" && opts.output !== "json") {
        throw new FlotillaError("INVALID_FLAG", `unknown output format "${opts.output}" (use yaml or json)`, { field: "--output" });
      }
      const auth = gitCredentials(ctx.env);
      // The environment's token is for the repository named on the command line only.
      const entries: GitCredentialEntry[] = opts.gitCredentialsFile === undefined ? [] : await loadGitCredentialsFile(resolve(ctx.cwd, opts.gitCredentialsFile));
      const own = tryParseRemoteRepoURL(repo);
      if (auth !== undefined && own !== undefined && (own.scheme === "https" || opts.allowInsecureHttpCredentials === true)) {
        entries.push({ url: own.href, username: auth.username, password: auth.token ?? auth.password ?? "", exact: true, origin: { field: "FLOTILLA_GIT_TOKEN" } });
      }
      const credentials = new GitCredentials({ entries: entries.filter((e) => e.password !== ""), allowInsecureHttp: opts.allowInsecureHttpCredentials });
      const { budget, workers } = renderBudgetFrom(opts);
      // The same budgets and worker threads as the hub: `flotilla render` shows what the hub would publish.
      const pool = new RenderPool({ size: workers, budget, logger: ctx.logger() });
      const result = await renderFleet({
        source: repo,
        revision: opts.revision,
        // Like `argocd app diff --local` and `flux build`: what is on disk, before it is committed.
        workingTree: opts.revision === undefined,
        clusterFilter: opts.cluster,
        appFilter: opts.app,
        appSetPath: opts.appsetPath,
        clustersPath: opts.clustersPath,
        credentials: credentials.resolver(),
        allowInsecureHttp: opts.allowInsecureHttpCredentials,
        kustomizeRemoteBases: opts.allowRemoteBases === true ? () => true : undefined,
        cwd: ctx.cwd,
        allowLocalRepos: true,
        logger: ctx.logger(),
        budget,
        renderAppSet: pool.renderer,
      }).finally(() => pool.close());
      if (opts.cluster !== undefined) {
        const missing = opts.cluster.filter((name) => !result.clusters.some((c) => c.name === name));
        if (missing.length > 0) {
          throw new FlotillaError("GITOPS_NOT_FOUND", `no cluster named ${missing.map((m) => JSON.stringify(m)).join(", ")} in the fleet`, { field: "--cluster" });
        }
      }
      ctx.stdout.write(opts.output === "json" ? `${JSON.stringify(renderJson(result), null, 2)}\n` : renderYaml(result));
      const failures = [
        ...result.errors.map((e) => describe(e) + (e.appSet === undefined ? "" : ` (ApplicationSet ${e.appSet})`)),
        ...result.clusters.flatMap((c) => c.apps.filter((a) => a.error !== undefined).map((a) => `${describe(a.error!)} (cluster ${c.name}, app ${a.name})`)),
      ];
      for (const line of failures) ctx.stderr.write(`${line}\n`);
      if (failures.length > 0) {
        throw new FlotillaError("GITOPS_RENDER_FAILED", `${failures.length} problem(s) above; everything else was rendered`);
      }
    });
};
