import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface CompareOptions {
  /** The helm binary (3.17.2 for our goldens). */
  readonly helm: string;
  /** `helm template` arguments: `[NAME] CHART [flags]`. */
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
}

/**
 * Runs `helm template ARGS` and `flotilla helm template ARGS`; prints "same" or the first
 * differing lines. Errors compare Helm's `Error: MESSAGE` with our `error[CODE]: MESSAGE`.
 */
export function compareWithHelm(options: CompareOptions): number {
  const cli = join(dirname(fileURLToPath(import.meta.url)), "../../../cli/main.js");
  const env = { ...options.env, HELM_CACHE_HOME: "/tmp/helm-cache", HELM_CONFIG_HOME: "/tmp/helm-config", HELM_DATA_HOME: "/tmp/helm-data", KUBECONFIG: "/dev/null" };
  const theirs = spawnSync(options.helm, ["template", ...options.args], { encoding: "utf8", env });
  const ours = spawnSync(process.execPath, [cli, "helm", "template", ...options.args], { encoding: "utf8", env });
  const text = (r: typeof theirs, helm: boolean): string => {
    if (r.status === 0) return r.stdout;
    const msg = helm ? r.stderr.replace(/^Error: /, "") : r.stderr.replace(/^error\[[A-Z_]+\]: /, "").replace(/^[^\s:]+\.(?:yaml|json|tpl|txt): /, "");
    return `(error) ${msg.trimEnd()}`;
  };
  const a = text(theirs, true);
  const b = text(ours, false);
  if (a === b) {
    options.out(`same: helm template ${options.args.join(" ")}\n`);
    return 0;
  }
  options.out(`DIFFERENT: helm template ${options.args.join(" ")}\n`);
  const ea = a.split("\n");
  const eb = b.split("\n");
  let shown = 0;
  for (let i = 0; i < Math.max(ea.length, eb.length) && shown < 20; i++) {
    if (ea[i] === eb[i]) continue;
    options.out(`  line ${i + 1}:\n  helm     ${JSON.stringify(ea[i] ?? "<none>")}\n  flotilla ${JSON.stringify(eb[i] ?? "<none>")}\n`);
    shown++;
  }
  return 1;
}
