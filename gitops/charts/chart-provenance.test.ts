import { createHash } from "node:crypto";
import type * as openpgp from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { makeSigningKey, signChartProvenance } from "../../test/harness/chart-signing.js";
import { readChartKeyring, verifyChartProvenance, type ChartKeyring } from "./chart-provenance.js";

// A throwaway key made at test time signs a .prov the way helm's Signatory.ClearSign lays it out.

const where = { file: "web-1.0.0.tgz", field: "--verify" };
const CHART_YAML = "apiVersion: v2\nname: web\nversion: 1.0.0\n";
const archive = new TextEncoder().encode("not really a tgz, bytes are bytes");
let signer: openpgp.PrivateKey;
let keyring: ChartKeyring;
let stranger: ChartKeyring;

beforeAll(async () => {
  const made = await makeSigningKey();
  signer = made.privateKey;
  keyring = await readChartKeyring(new TextEncoder().encode(made.armoredPublicKey), where);
  const other = await makeSigningKey("Someone Else");
  // A binary keyring, as ~/.gnupg/pubring.gpg is.
  stranger = await readChartKeyring(other.privateKey.toPublic().write(), where);
});

describe("chart provenance (helm's pkg/provenance)", () => {
  it("verifies a clearsigned .prov and the archive's sha256, naming the signer", async () => {
    const v = await verifyChartProvenance(archive, "web-1.0.0.tgz", await signChartProvenance(signer, archive, "web-1.0.0.tgz", CHART_YAML), keyring, where);
    expect(v.signedBy).toBe("Chart Signer <charts@example.com>");
    expect(v.fileHash).toBe(`sha256:${createHash("sha256").update(archive).digest("hex")}`);
  });

  it("refuses a key outside the keyring, a tampered message, no signature, another archive, and a missing sum, each with its code", async () => {
    const prov = await signChartProvenance(signer, archive, "web-1.0.0.tgz", CHART_YAML);
    await expect(verifyChartProvenance(archive, "web-1.0.0.tgz", prov, stranger, where)).rejects.toMatchObject({ code: "GITOPS_CHART_SIGNATURE", message: expect.stringContaining("not in the keyring") });
    const tampered = prov.replace("name: web", "name: wib");
    await expect(verifyChartProvenance(archive, "web-1.0.0.tgz", tampered, keyring, where)).rejects.toMatchObject({ code: "GITOPS_CHART_SIGNATURE" });
    await expect(verifyChartProvenance(archive, "web-1.0.0.tgz", "just text\n", keyring, where)).rejects.toMatchObject({ code: "GITOPS_CHART_SIGNATURE", message: expect.stringContaining("signature block not found") });
    const other = new TextEncoder().encode("other bytes");
    await expect(verifyChartProvenance(other, "web-1.0.0.tgz", prov, keyring, where)).rejects.toMatchObject({ code: "GITOPS_CHART_DIGEST", message: expect.stringContaining("sha256 sum does not match for web-1.0.0.tgz") });
    await expect(verifyChartProvenance(archive, "web-2.0.0.tgz", prov, keyring, where)).rejects.toMatchObject({ code: "GITOPS_CHART_DIGEST", message: 'provenance does not contain a SHA for a file named "web-2.0.0.tgz"' });
    await expect(readChartKeyring(new TextEncoder().encode("nothing"), where)).rejects.toMatchObject({ code: "GITOPS_CHART_SIGNATURE" });
  });
});
