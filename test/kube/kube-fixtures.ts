import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { KubeClient } from "../../kube/index.js";

const run = promisify(execFile);

/** Runs the real kubectl against a kubeconfig; returns stdout. */
export async function kubectl(kubeconfig: string, args: readonly string[], input?: string): Promise<string> {
  if (input === undefined) {
    const { stdout } = await run("kubectl", ["--kubeconfig", kubeconfig, ...args], { maxBuffer: 32 * 1024 * 1024 });
    return stdout;
  }
  return new Promise((resolve, reject) => {
    const child = execFile("kubectl", ["--kubeconfig", kubeconfig, ...args], { maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`kubectl ${args.join(" ")}: ${stderr}`));
      else resolve(stdout);
    });
    child.stdin?.end(input);
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- kubectl JSON is read field by field in assertions
export async function kubectlJson(kubeconfig: string, args: readonly string[]): Promise<any> {
  return JSON.parse(await kubectl(kubeconfig, [...args, "-o", "json"]));
}

/** A pass-through KubeClient that records every call in order (verb + subject), to assert ordering. */
export function recording(inner: KubeClient): KubeClient & { calls: string[] } {
  const calls: string[] = [];
  const subject = (o: { kind: string; metadata?: { name: string }; name?: string }): string => `${o.kind}/${o.metadata?.name ?? o.name ?? ""}`;
  return {
    calls,
    namespaced: (a, k) => inner.namespaced(a, k),
    get: (ref) => inner.get(ref),
    list: (q) => inner.list(q),
    apply: (obj, opts) => {
      if (opts?.dryRun !== true) calls.push(`apply ${subject(obj)}`);
      return inner.apply(obj, opts);
    },
    create: (obj, opts) => {
      if (opts?.dryRun !== true) calls.push(`create ${subject(obj)}`);
      return inner.create(obj, opts);
    },
    replace: (obj) => {
      calls.push(`replace ${subject(obj)}`);
      return inner.replace(obj);
    },
    delete: (ref) => {
      calls.push(`delete ${subject(ref)}`);
      return inner.delete(ref);
    },
    patchStatus: (ref, s) => inner.patchStatus(ref, s),
    watch: (q, on, o) => inner.watch(q, on, o),
  };
}

/** `kubectl create namespace` sends protobuf, which the devcluster refuses (notes/kubectl-wire.md §10): apply instead. */
export async function createNamespace(kubeconfig: string, name: string): Promise<void> {
  await kubectl(kubeconfig, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name } }));
}
