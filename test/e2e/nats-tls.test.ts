import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { connect, nkeyAuthenticator } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runFlotilla } from "../harness/index.js";
import { startFleet, PLAIN_WEB_APPSET, type TestFleet } from "./fleet-harness.js";

// NATS over mutual TLS, the way a fleet that crosses networks runs it: `flotilla nats-config
// --tls-verify` makes nats-server require a client certificate signed by the fleet's CA, and the hub
// and each spoke connect with `--tls-ca/--tls-cert/--tls-key`. Everything else (nkey users, signed
// envelopes) is unchanged: TLS protects the link, the signatures protect the content.

const CONFIGMAP = (colour: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  colour: ${colour}
`;

const CLUSTER = "prod-eu";
let fleet: TestFleet;

beforeAll(async () => {
  fleet = await startFleet({
    files: { "appsets/web.yaml": PLAIN_WEB_APPSET, "apps/web/configmap.yaml": CONFIGMAP("blue") },
    clusters: [{ name: CLUSTER, labels: { env: "prod" } }],
    tls: true,
  });
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
});

describe("a fleet over NATS with mutual TLS", () => {
  it("nats-config asks nats-server to require and verify client certificates", async () => {
    const conf = await readFile(join(fleet.dir, "nats", "nats-server.conf"), "utf8");
    expect(conf).toMatch(/tls \{ cert_file: ".*nats-server\.crt", key_file: ".*nats-server\.key", ca_file: ".*ca\.crt", verify: true \}/);
  });

  it("the hub and the spoke connect with their certificates and the cluster converges", async () => {
    const [summary] = await fleet.converged(await fleet.repo.head());
    expect(summary).toMatchObject({ name: CLUSTER, connection: "Online", sync: "Synced", health: "Healthy" });
    const cm = await fleet.getJson<{ data: Record<string, string> }>(CLUSTER, "configmap", "web-config", "-n", "web");
    expect(cm?.data.colour).toBe("blue");
    // A change travels the same TLS links (the hub polls the repo every 2 s).
    const head = await fleet.repo.commit({ "apps/web/configmap.yaml": CONFIGMAP("green") }, "green");
    await fleet.converged(head);
    expect((await fleet.getJson<{ data: Record<string, string> }>(CLUSTER, "configmap", "web-config", "-n", "web"))?.data.colour).toBe("green");
  });

  it("refuses a client without TLS, and one with a valid nkey but no client certificate", async () => {
    const seed = (await readFile(fleet.nkeyFile(CLUSTER), "utf8")).trim();
    const plain = await connect({ servers: fleet.natsUrl, authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)), reconnect: false, timeout: 5_000 }).then(
      async (nc) => {
        await nc.close();
        return "connected";
      },
      (err: unknown) => String(err),
    );
    expect(plain).not.toBe("connected");
    const pki = fleet.pki;
    if (pki === undefined) throw new Error("the fleet has no PKI");
    const noCert = await connect({ servers: fleet.natsUrl, authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)), tls: { caFile: pki.caFile }, reconnect: false, timeout: 5_000 }).then(
      async (nc) => {
        // nats-server may finish the handshake and drop the connection right after.
        await nc.flush();
        await nc.close();
        return "connected";
      },
      (err: unknown) => String(err),
    );
    expect(noCert).not.toBe("connected");
  });

  it("a spoke presenting a certificate from another CA never gets in: it says why and keeps retrying", async () => {
    const pki = fleet.pki;
    if (pki === undefined) throw new Error("the fleet has no PKI");
    const impostor = await pki.foreignClient(CLUSTER);
    await fleet.stopSpoke(CLUSTER);
    const args = ["spoke", "--fleet", "demo", "--cluster", CLUSTER, "--nats", fleet.natsUrl, "--nkey", fleet.nkeyFile(CLUSTER), "--hub-key", fleet.hubKey(), "--kubeconfig", fleet.kubeconfig(CLUSTER), "--namespace", "flotilla-system"];
    await fleet.startProcess("spoke impostor", [...args, "--tls-ca", pki.caFile, "--tls-cert", impostor.certFile, "--tls-key", impostor.keyFile], /spoke started/);
    const line = await fleet.waitFor("the impostor's connection error", () => /.*cannot connect to NATS, retrying.*/.exec(fleet.logs("spoke impostor"))?.[0], 60_000);
    // nats.js alone would say "timeout" after 20 s; the spoke says what is wrong.
    expect(JSON.parse(line)).toMatchObject({ error: expect.stringMatching(/^the NATS server (rejected this client's TLS certificate|closed the connection during the TLS handshake).*--tls-cert.* signed by the CA it trusts/) as unknown });
    expect(fleet.logs("nats-server")).toMatch(/TLS handshake error/i);
    await fleet.stopProcess("spoke impostor");
    // The real spoke, with its own certificate, is back in at once.
    await fleet.startSpoke(CLUSTER);
    await fleet.converged(await fleet.repo.head());
  });

  it("rejects bad TLS flags before connecting, naming the flag and file, without echoing a key", async () => {
    const pki = fleet.pki;
    if (pki === undefined) throw new Error("the fleet has no PKI");
    const client = await pki.client("cli-check");
    const base = ["spoke", "--cluster", CLUSTER, "--nats", fleet.natsUrl, "--hub-key", fleet.hubKey(), "--kubeconfig", fleet.kubeconfig(CLUSTER)];
    const cases: { args: string[]; expected: RegExp }[] = [
      { args: ["--tls-cert", client.certFile], expected: /error\[INVALID_FLAG\]: --tls-key: --tls-cert and --tls-key go together/ },
      { args: ["--tls-ca", join(fleet.dir, "missing-ca.crt")], expected: /error\[INVALID_FLAG\]: .*missing-ca\.crt: --tls-ca: cannot read the file/ },
      { args: ["--tls-ca", client.keyFile], expected: /error\[INVALID_FLAG\]: .*client-cli-check\.key: --tls-ca: not a PEM certificate/ },
      { args: ["--tls-cert", client.certFile, "--tls-key", client.certFile], expected: /error\[INVALID_FLAG\]: .*client-cli-check\.crt: --tls-key: not a PEM private key/ },
    ];
    for (const c of cases) {
      const result = await runFlotilla([...base, ...c.args]);
      expect(result.code, c.args.join(" ")).toBe(1);
      expect(result.stderr).toMatch(c.expected);
      expect(result.stderr).not.toMatch(/PRIVATE KEY|\n\s+at /);
    }
    const hub = await runFlotilla(["hub", "--fleet", "demo", "--nats", fleet.natsUrl, "--repo", fleet.repo.dir, "--tls-key", client.keyFile]);
    expect(hub.code).toBe(1);
    expect(hub.stderr).toMatch(/error\[INVALID_FLAG\]: --tls-cert: --tls-cert and --tls-key go together/);
    // A hub that forgot --tls-ca is told which flag it needs, not just that OpenSSL failed.
    const noCa = await runFlotilla(["hub", "--fleet", "demo", "--nats", fleet.natsUrl, "--nkey", join(fleet.dir, "nats", "hub.nk"), "--repo", fleet.repo.dir, "--allow-local-repos", "--listen", "127.0.0.1:0", "--signing-key", join(fleet.dir, "hub-no-ca.pem")]);
    expect(noCa.code).toBe(1);
    expect(noCa.stderr).toMatch(/error\[NATS_CONNECT_FAILED\]: cannot connect to NATS at .*: the NATS server's TLS certificate is not trusted: pass the CA that signed it with --tls-ca \(/);
    expect(noCa.stderr).not.toMatch(/\n\s+at /);
  });
});
