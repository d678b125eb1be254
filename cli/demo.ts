import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FlotillaError } from "../core/index.js";
import { startDemo } from "../demo/index.js";
import type { CommandRegistrar } from "./context.js";
import { readFaults } from "./devcluster.js";

interface DemoFlags {
  clusters: string;
  port: string;
  dir: string;
  faults?: string;
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function integerFlag(text: string, field: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new FlotillaError("INVALID_FLAG", `"${text}" must be an integer from ${String(min)} to ${String(max)}`, { field });
  return n;
}

/**
 * `flotilla demo`: nats-server, N devclusters, the hub and a spoke per cluster as supervised
 * children, fed by a fresh copy of examples/fleet; waits until all is Synced/Healthy, then runs
 * until Ctrl-C, which stops every child.
 */
export const registerDemo: CommandRegistrar = (program, ctx) => {
  program
    .command("demo")
    .description("run a whole fleet on this machine: nats-server, devclusters, the hub and a spoke each, from examples/fleet")
    .option("--clusters <n>", "number of clusters", "3")
    .option("--port <n>", "hub API and dashboard port on 127.0.0.1 (0 picks a free one)", "8080")
    .option("--dir <dir>", "where the demo keeps its repo, kubeconfigs, keys and logs (recreated on each run)", ".flotilla-demo")
    .option("--faults <file.json>", "faults every devcluster plays (as devcluster --faults, e.g. {\"unpullableImages\": [\"*:does-not-exist\"]}); the hub then runs with --auto-rollback")
    .action(async (flags: DemoFlags) => {
      const root = packageRoot();
      // Checked before anything starts: a typo in the file must not cost a minute of start-up.
      const faultsFile = flags.faults === undefined ? undefined : resolve(ctx.cwd, flags.faults);
      const faults = faultsFile === undefined ? undefined : await readFaults(faultsFile);
      // Ctrl-C must always find a listener: with none, the CLI exits at once (130) and orphans the
      // children. Between two hub polls of the event stream nothing else listens on the signal.
      const stayForShutdown = (): void => undefined;
      ctx.shutdown.addEventListener("abort", stayForShutdown);
      const demo = await startDemo({
        clusters: integerFlag(flags.clusters, "--clusters", 1, 20),
        port: integerFlag(flags.port, "--port", 0, 65535),
        dir: resolve(ctx.cwd, flags.dir),
        flotilla: { node: process.execPath, script: join(root, "dist", "cli", "main.js") },
        examplesDir: join(root, "examples", "fleet"),
        toolDirs: [join(root, ".tools", "bin")],
        env: ctx.env,
        out: ctx.stdout,
        interactive: (ctx.stdout as { isTTY?: boolean }).isTTY === true,
        clock: ctx.clock,
        random: (n) => new Uint8Array(randomBytes(n)),
        logger: ctx.logger(),
        signal: ctx.shutdown,
        faultsFile,
      });
      const first = demo.clusters[0]?.name ?? "";
      const kubeconfig = demo.kubeconfigs.get(first) ?? "";
      const lines = [
        "",
        `Dashboard:    ${demo.hubUrl}/`,
        `Fleet repo:   ${demo.repoDir}`,
        "Kubeconfigs:",
        ...[...demo.kubeconfigs].map(([name, file]) => `  ${name.padEnd(10)} ${file}`),
        "",
        `${(faults?.unpullableImages ?? []).length > 0 ? "Four" : "Three"} things to try:`,
        `  1. kubectl --kubeconfig ${kubeconfig} get deploy -A`,
        `  2. edit ${join(demo.repoDir, "apps", "web", "base", "deployment.yaml")} (say, add an env var to the container; prod pins its image tag in overlays/prod), then`,
        `     git -C ${demo.repoDir} commit -am "bump web"   # the hub polls every 2s`,
        `  3. npx flotilla status --hub ${demo.hubUrl} -o wide`,
        ...((faults?.unpullableImages ?? []).length > 0
          ? [
              `  4. set the image in ${join(demo.repoDir, "apps", "web", "base", "deployment.yaml")} to one the devclusters cannot pull`,
              `     (${(faults?.unpullableImages ?? []).join(", ")}) and commit: staging degrades, the RollingSync halts before prod and the hub rolls it back`,
            ]
          : []),
        "",
        `Logs of every process, written as they run: ${demo.logsDir}`,
        "What happens in the fleet from now on is printed below. Press Ctrl-C to stop every process the demo started.",
        "",
      ];
      ctx.stdout.write(lines.join("\n"));
      await demo.follow();
      ctx.stdout.write("Stopping…\n");
      await demo.stop();
      ctx.stdout.write(`Stopped ${String(demo.children.length)} processes; logs are in ${demo.logsDir}\n`);
    });
};
