import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, systemClock, type Clock } from "../../core/index.js";
import { startDevCluster, type DevCluster } from "../../devcluster/index.js";
import { inClusterTarget, isKubeError, KUBE_ERROR, kubeconfigTarget, loadKubeconfig, RestKube, type KubeTarget } from "../../kube/index.js";
import { makeTestPki, type TestPki } from "../harness/index.js";

/**
 * Every kubeconfig auth form the spoke's client supports, against a real devcluster that checks
 * bearer tokens and client certificates: token, tokenFile (rotation), client certificate (files and
 * inline data), CA / insecure-skip-tls-verify, exec plugins (v1 and v1beta1, expiry, 401) and the
 * in-cluster service account.
 */
let cluster: DevCluster;
let pki: TestPki;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kube-auth-"));
  pki = await makeTestPki(dir);
  cluster = await startDevCluster({ name: "kube-auth", clientCaPem: readFileSync(pki.caFile, "utf8") });
});
afterAll(async () => {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A kubeconfig for the devcluster with `user` as the user entry, written to DIR/name. */
function kubeconfig(name: string, user: Record<string, unknown>, cluster_: Record<string, unknown> = {}): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: cluster.url, "certificate-authority-data": Buffer.from(cluster.caPem).toString("base64"), ...cluster_ } }],
      users: [{ name: "u", user }],
      contexts: [{ name: "ctx", context: { cluster: "c", user: "u", namespace: "team-a" } }],
      "current-context": "ctx",
    }),
  );
  return file;
}

function client(target: KubeTarget, clock: Clock = systemClock): RestKube {
  return new RestKube({ target, fieldManager: "flotilla", clock, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, env: { PATH: "/usr/bin:/bin" } });
}

/** A request that needs authentication: the default namespace's ConfigMaps. */
async function listWorks(kube: RestKube): Promise<boolean> {
  await kube.list({ apiVersion: "v1", kind: "ConfigMap", namespace: "default" });
  return true;
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    if (!isKubeError(err)) throw err;
    return { code: err.code, message: err.message, ...("status" in err ? { status: err.status as number } : {}) };
  }
  throw new Error("expected a failure");
}

/** An exec plugin: a node script that prints an ExecCredential and counts its runs in DIR/<name>.runs. */
function plugin(name: string, body: string): string {
  const file = join(dir, "bin", `${name}.mjs`);
  writeFileSync(
    file,
    `#!${process.execPath}
import { appendFileSync, readFileSync } from "node:fs";
appendFileSync(${JSON.stringify(join(dir, `${name}.runs`))}, "x");
const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO ?? "{}");
${body}
`,
  );
  chmodSync(file, 0o755);
  return file;
}
const runs = (name: string): number => {
  try {
    return readFileSync(join(dir, `${name}.runs`), "utf8").length;
  } catch {
    return 0;
  }
};

describe("RestKube authenticates against devcluster", () => {
  beforeAll(() => {
    mkdirSync(join(dir, "bin"), { recursive: true });
  });

  it("with a bearer token, and answers 401 without one", async () => {
    const target = loadKubeconfig(kubeconfig("token.yaml", { token: cluster.token }));
    expect(target.namespace).toBe("team-a");
    expect(await listWorks(client(target))).toBe(true);
    const anonymous = loadKubeconfig(kubeconfig("anon.yaml", {}));
    expect(await failure(listWorks(client(anonymous)))).toMatchObject({ code: KUBE_ERROR.api, status: 401 });
  });

  it("with a tokenFile read again for each request, so a rotated token is used at once", async () => {
    const tokenFile = join(dir, "sa-token");
    writeFileSync(tokenFile, `${cluster.token}\n`);
    const kube = client(loadKubeconfig(kubeconfig("token-file.yaml", { tokenFile: "sa-token" })));
    expect(await listWorks(kube)).toBe(true);
    // The server revokes the old token: the file still holds it, so the next request is refused...
    cluster.setTokens(["rotated-token-2"]);
    expect(await failure(listWorks(kube))).toMatchObject({ status: 401 });
    // ...until the kubelet rewrites the file; the same client picks the new token up.
    writeFileSync(tokenFile, "rotated-token-2");
    expect(await listWorks(kube)).toBe(true);
    cluster.setTokens([cluster.token]);
  });

  it("with a client certificate from files and from inline data; a foreign CA's certificate is refused", async () => {
    const mine = await pki.client("spoke");
    expect(await listWorks(client(loadKubeconfig(kubeconfig("cert-files.yaml", { "client-certificate": mine.certFile, "client-key": mine.keyFile }))))).toBe(true);
    const data = {
      "client-certificate-data": readFileSync(mine.certFile).toString("base64"),
      "client-key-data": readFileSync(mine.keyFile).toString("base64"),
    };
    expect(await listWorks(client(loadKubeconfig(kubeconfig("cert-data.yaml", data))))).toBe(true);
    const impostor = await pki.foreignClient("spoke");
    const refused = await failure(listWorks(client(loadKubeconfig(kubeconfig("cert-foreign.yaml", { "client-certificate": impostor.certFile, "client-key": impostor.keyFile })))));
    expect(refused).toMatchObject({ status: 401 });
  });

  it("verifies the server against the CA; without it TLS fails, with insecure-skip-tls-verify it passes", async () => {
    const caFile = join(dir, "server-ca.crt");
    writeFileSync(caFile, cluster.caPem);
    expect(await listWorks(client(loadKubeconfig(kubeconfig("ca-file.yaml", { token: cluster.token }, { "certificate-authority-data": null, "certificate-authority": caFile, "tls-server-name": "localhost" }))))).toBe(true);
    const untrusted = await failure(listWorks(client(loadKubeconfig(kubeconfig("no-ca.yaml", { token: cluster.token }, { "certificate-authority-data": null })))));
    expect(untrusted.code).toBe(KUBE_ERROR.unreachable);
    expect(untrusted.message).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
    expect(await listWorks(client(loadKubeconfig(kubeconfig("insecure.yaml", { token: cluster.token }, { "certificate-authority-data": null, "insecure-skip-tls-verify": true }))))).toBe(true);
  });

  it("with an exec plugin (v1): env, args and KUBERNETES_EXEC_INFO reach it; cached until expirationTimestamp, then run again", async () => {
    plugin(
      "exec-v1",
      `if (process.env.FLEET_ROLE !== "spoke" || process.argv[2] !== "token" || info.kind !== "ExecCredential" || info.spec?.interactive !== false || info.spec?.cluster?.server !== ${JSON.stringify(cluster.url)}) process.exit(7);
const expires = new Date(Date.now() + 3600_000).toISOString();
process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token: ${JSON.stringify(cluster.token)}, expirationTimestamp: expires } }));`,
    );
    let offset = 0;
    const clock: Clock = { now: () => Date.now() + offset, sleep: (ms, signal) => systemClock.sleep(ms, signal) };
    // A relative command with a slash resolves against the kubeconfig's directory (client-go).
    const exec = { apiVersion: "client.authentication.k8s.io/v1", command: "./bin/exec-v1.mjs", args: ["token"], env: [{ name: "FLEET_ROLE", value: "spoke" }], interactiveMode: "Never", provideClusterInfo: true };
    const kube = client(loadKubeconfig(kubeconfig("exec-v1.yaml", { exec })), clock);
    expect(await listWorks(kube)).toBe(true);
    expect(await listWorks(kube)).toBe(true);
    expect(runs("exec-v1")).toBe(1);
    offset = 2 * 3600_000; // past the expiry: the next request runs the plugin again
    expect(await listWorks(kube)).toBe(true);
    expect(runs("exec-v1")).toBe(2);
  });

  it("with an exec plugin (v1beta1) that returns a client certificate, and re-runs it after a 401", async () => {
    const mine = await pki.client("exec-spoke");
    plugin(
      "exec-cert",
      `process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1beta1", kind: "ExecCredential", status: { clientCertificateData: readFileSync(${JSON.stringify(mine.certFile)}, "utf8"), clientKeyData: readFileSync(${JSON.stringify(mine.keyFile)}, "utf8") } }));`,
    );
    const kube = client(loadKubeconfig(kubeconfig("exec-cert.yaml", { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: join(dir, "bin", "exec-cert.mjs") } })));
    expect(await listWorks(kube)).toBe(true);

    // A token plugin whose token the server revokes early: the 401 makes the client run it again.
    const tokenFile = join(dir, "exec-token");
    writeFileSync(tokenFile, cluster.token);
    plugin("exec-401", `process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1beta1", kind: "ExecCredential", status: { token: readFileSync(${JSON.stringify(tokenFile)}, "utf8") } }));`);
    const revoking = client(loadKubeconfig(kubeconfig("exec-401.yaml", { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: join(dir, "bin", "exec-401.mjs") } })));
    expect(await listWorks(revoking)).toBe(true);
    cluster.setTokens(["exec-rotated"]);
    writeFileSync(tokenFile, "exec-rotated");
    expect(await listWorks(revoking)).toBe(true);
    expect(runs("exec-401")).toBe(2);
    cluster.setTokens([cluster.token]);
  });

  it("in-cluster: service env vars, ca.crt, namespace, and a projected token that rotates", async () => {
    const sa = join(dir, "serviceaccount");
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, "ca.crt"), cluster.caPem);
    writeFileSync(join(sa, "namespace"), "flotilla-system");
    writeFileSync(join(sa, "token"), cluster.token);
    const target = inClusterTarget({ env: { KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: String(cluster.port) }, serviceAccountDir: sa });
    expect(target).toMatchObject({ server: cluster.url, namespace: "flotilla-system", source: "in-cluster" });
    const kube = client(target);
    expect(await listWorks(kube)).toBe(true);
    cluster.setTokens(["projected-2"]);
    writeFileSync(join(sa, "token"), "projected-2");
    expect(await listWorks(kube)).toBe(true);
    cluster.setTokens([cluster.token]);
    expect(() => inClusterTarget({ env: {}, serviceAccountDir: sa })).toThrow(expect.objectContaining({ code: KUBE_ERROR.config }) as Error);
  });
});

describe("bad kubeconfigs and misbehaving exec plugins (insider)", () => {
  const SECRET = "s3cr3t-token-from-the-plugin";

  function captured(): { lines: string[]; kube: (file: string) => RestKube } {
    const lines: string[] = [];
    const logger = createLogger({
      level: "debug",
      destination: new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(chunk.toString());
          cb();
        },
      }),
    });
    return { lines, kube: (file) => new RestKube({ target: loadKubeconfig(file), fieldManager: "flotilla", logger, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 }, env: {} }) };
  }

  it("a plugin that fails, or prints garbage, gives KUBE_CREDENTIAL_FAILED and never its output", async () => {
    mkdirSync(join(dir, "bin"), { recursive: true });
    plugin("exec-fails", `process.stderr.write("token=${SECRET}\\n"); process.exit(3);`);
    plugin("exec-garbage", `process.stdout.write("here is your token: ${SECRET}");`);
    plugin("exec-wrong-version", `process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1alpha1", kind: "ExecCredential", status: { token: "${SECRET}" } }));`);
    plugin("exec-no-status", `process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token: 42 } }));`);
    const { lines, kube } = captured();
    const expectations: Array<[string, RegExp]> = [
      ["exec-fails", /exited with code 3/],
      ["exec-garbage", /not JSON/],
      ["exec-wrong-version", /apiVersion/],
      ["exec-no-status", /status.token is not a string/],
    ];
    for (const [name, why] of expectations) {
      const exec = { apiVersion: "client.authentication.k8s.io/v1", command: join(dir, "bin", `${name}.mjs`), interactiveMode: "Never" };
      const err = await failure(listWorks(kube(kubeconfig(`${name}.yaml`, { exec }))));
      expect(err.code, name).toBe(KUBE_ERROR.credential);
      expect(err.message).toMatch(why);
      expect(err.message).not.toContain(SECRET);
    }
    const missing = await failure(listWorks(kube(kubeconfig("exec-missing.yaml", { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "no-such-plugin-here", interactiveMode: "Never", installHint: "install it from example.com" } }))));
    expect(missing).toMatchObject({ code: KUBE_ERROR.credential });
    expect(missing.message).toMatch(/not found; install it from example.com/);
    const interactive = await failure(listWorks(kube(kubeconfig("exec-always.yaml", { exec: { apiVersion: "client.authentication.k8s.io/v1", command: join(dir, "bin", "exec-garbage.mjs"), interactiveMode: "Always" } }))));
    expect(interactive.message).toMatch(/interactiveMode Always/);
    expect(lines.join("")).not.toContain(SECRET);
    expect(lines.join("")).not.toContain(cluster.token);
  });

  it("kubeconfigs that cannot be used fail with KUBE_CONFIG_INVALID and the offending field, never a key", () => {
    const file = "k.yaml";
    const base = { apiVersion: "v1", kind: "Config", clusters: [{ name: "c", cluster: { server: cluster.url } }], contexts: [{ name: "x", context: { cluster: "c", user: "u" } }], "current-context": "x" };
    const bad = (user: Record<string, unknown>): unknown => {
      try {
        kubeconfigTarget(stringify({ ...base, users: [{ name: "u", user }] }), file, { readFile: () => "not a pem" });
      } catch (err) {
        return err;
      }
      return undefined;
    };
    expect(bad({ "auth-provider": { name: "oidc" } })).toMatchObject({ code: KUBE_ERROR.config, field: "users[u].user.auth-provider" });
    expect(bad({ "client-certificate-data": Buffer.from("-----BEGIN CERTIFICATE-----").toString("base64") })).toMatchObject({ code: KUBE_ERROR.config, field: "users[u].user" });
    const keyLeak = bad({ "client-certificate-data": "bm90IGEgcGVt", "client-key-data": Buffer.from(SECRET).toString("base64") }) as Error;
    expect(keyLeak).toMatchObject({ code: KUBE_ERROR.config });
    expect(keyLeak.message).not.toContain(SECRET);
    expect(bad({ exec: { apiVersion: "client.authentication.k8s.io/v1", command: "x" } })).toMatchObject({ field: "users[u].user.exec.interactiveMode" });
    expect(bad({ exec: { apiVersion: "client.authentication.k8s.io/v1alpha1", command: "x" } })).toMatchObject({ field: "users[u].user.exec.apiVersion" });
    expect(() => kubeconfigTarget("{{{", file)).toThrow(expect.objectContaining({ code: KUBE_ERROR.config }) as Error);
    expect(() => kubeconfigTarget(stringify({ ...base, "current-context": "nope" }), file)).toThrow(expect.objectContaining({ code: KUBE_ERROR.config, field: "contexts" }) as Error);
  });
});
