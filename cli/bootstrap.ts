import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { FlotillaError } from "../core/index.js";
import { isRemoteUrl } from "../gitops/index.js";
import { bootstrapFromGit, parseSpokeConfig, SpokeRuntime } from "../spoke/index.js";
import type { CliContext, CommandRegistrar } from "./context.js";
import { collectList } from "./flag-collectors.js";
import { addSpokeRunFlags, kubeClientFor, runSpoke, spokeConfigFrom, type SpokeFlags } from "./spoke.js";
import { addRenderBudgetFlags, renderBudgetFrom, type RenderBudgetFlags } from "./render-budget-flags.js";

interface BootstrapFlags extends Partial<SpokeFlags> {
  repo: string;
  cluster: string;
  revision?: string;
  restoreKeys?: string;
  recoveryIdentity?: string;
  thenJoin?: string;
}

async function readText(path: string, field: string, ctx: CliContext): Promise<string> {
  try {
    return await readFile(resolve(ctx.cwd, path), "utf8");
  } catch {
    throw new FlotillaError("INVALID_FLAG", "cannot read the file", { file: path, field });
  }
}

export const registerBootstrap: CommandRegistrar = (program, ctx) => {
  const command = program
    .command("bootstrap")
    .description("disaster recovery: restore sealing keys, render this cluster's state from Git and reconcile it with no hub")
    .requiredOption("--repo <url|path>", "fleet repository")
    .requiredOption("--cluster <name>", "this cluster's name in the fleet repository")
    .option("--revision <rev>", "branch, tag or commit", "HEAD")
    .option("--restore-keys <file>", "age-encrypted sealing key backup to restore first")
    .option("--recovery-identity <file>", "age identity (AGE-SECRET-KEY-1…) that opens the backup")
    .option("--then-join <nats-url>", "after converging, run as a spoke of the hub at this NATS URL (the spoke flags below apply)")
    .option("--hub-key <ed25519:…>", "pinned hub public key (with --then-join)", collectList, []);
  addRenderBudgetFlags(addSpokeRunFlags(command))
    .action(async (flags: BootstrapFlags & RenderBudgetFlags) => {
      const logger = ctx.logger();
      if ((flags.restoreKeys === undefined) !== (flags.recoveryIdentity === undefined)) {
        throw new FlotillaError("INVALID_FLAG", "--restore-keys and --recovery-identity go together", { field: flags.restoreKeys === undefined ? "--restore-keys" : "--recovery-identity" });
      }
      if (flags.thenJoin !== undefined && (flags.hubKey ?? []).length === 0) {
        throw new FlotillaError("INVALID_FLAG", "--then-join needs the hub's public key to pin", { field: "--hub-key" });
      }
      const config =
        flags.thenJoin === undefined
          ? parseSpokeConfig({ cluster: flags.cluster, natsUrl: ["none"], hubKeys: ["ed25519:none"], namespace: flags.namespace ?? "flotilla-system", keyBits: Number(flags.keyBits ?? "4096") })
          : spokeConfigFrom(flags, flags.thenJoin, ctx);
      const client = kubeClientFor(flags.kubeconfig, config, ctx, logger);
      const runtime = new SpokeRuntime({
        fleet: config.fleet,
        cluster: config.cluster,
        client,
        namespace: config.namespace,
        clock: ctx.clock,
        logger,
        keyBits: config.keyBits,
        rotateEveryMs: config.rotateEveryMs,
        resyncIntervalMs: config.resyncIntervalMs,
      });
      const restore =
        flags.restoreKeys === undefined || flags.recoveryIdentity === undefined
          ? undefined
          : { backup: await readText(flags.restoreKeys, "--restore-keys", ctx), identity: await readText(flags.recoveryIdentity, "--recovery-identity", ctx), file: flags.restoreKeys };
      const repo = isRemoteUrl(flags.repo) ? flags.repo : resolve(ctx.cwd, flags.repo);
      let result;
      try {
        const { budget, workers } = renderBudgetFrom(flags);
        result = await bootstrapFromGit({ repo, revision: flags.revision, cluster: flags.cluster, runtime, restore, logger, cwd: ctx.cwd, render: { budget, workers } });
      } catch (err) {
        await runtime.stop();
        throw err;
      }
      const a = result.summary.actions;
      ctx.stdout.write(
        `bootstrapped ${flags.cluster} at ${result.state.revision}: ${String(result.state.apps.length)} apps, ${String(a.created ?? 0)} created, ${String(a.configured ?? 0)} configured, ${String(a.unchanged ?? 0)} unchanged, ${String(a.deleted ?? 0)} deleted${result.restoredKeys > 0 ? `, ${String(result.restoredKeys)} keys restored` : ""}\n`,
      );
      const outcome = result.summary.outcome;
      if (outcome.kind === "retry" || outcome.kind === "stalled") {
        await runtime.stop();
        const failed = runtime.reconciler.statusReport().apps.filter((app) => app.error !== undefined);
        throw new FlotillaError("SPOKE_BOOTSTRAP_FAILED", `${outcome.reason}: ${failed.map((f) => `${f.name}: ${f.error?.code ?? ""}`).join(", ")}`, { userError: true });
      }
      if (flags.thenJoin === undefined) {
        await runtime.stop();
        return;
      }
      await runSpoke({ config, client, nkey: flags.nkey, ctx, logger, runtime, metricsAddr: flags.metricsAddr });
    });
};
