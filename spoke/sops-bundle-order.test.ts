import { randomBytes } from "node:crypto";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { decryptSopsText, SopsResolvedKeyRing } from "../crypto/open.js";
import { encryptSopsText, type SopsFormat } from "../crypto/sops/index.js";
import type { KubeObject } from "../kube/index.js";
import { createEnvelope, encodeBundle, generateSigningKey, verifyEnvelope, type Bundle } from "../protocol/index.js";
import { desiredFromEnvelope } from "./spoke-agent.js";
import { SecretDecryptor, type DecryptionKeys } from "./secret-decryptor.js";

// A SOPS manifest travels hub → bundle bytes → signature → spoke decode → decryptor. sops' MAC is
// over the values in document order, so every hop must keep the document's key order.

const FLUX_STYLE = `apiVersion: v1
kind: Secret
metadata:
  name: sops
  namespace: vault
type: Opaque
stringData:
  password: some-value
  api-token: other-value
`;

const REVERSED = `stringData:
  zeta: last-in-alphabet
  alpha: first-in-alphabet
type: Opaque
metadata:
  namespace: vault
  name: reversed
kind: Secret
apiVersion: v1
`;

async function encrypt(text: string, recipient: string, extra: { macOnlyEncrypted?: boolean; format?: SopsFormat } = {}): Promise<string> {
  return encryptSopsText(text, {
    format: extra.format ?? "yaml",
    keyGroups: [[{ type: "age", recipient }]],
    rules: { encryptedRegex: "^(data|stringData)$", macOnlyEncrypted: extra.macOnlyEncrypted },
    random: (n) => new Uint8Array(randomBytes(n)),
    clock: { now: () => Date.now() },
  });
}

/** The hub's bundle for one app → signed envelope → what the spoke's decryptor gets. */
function throughTheWire(objects: KubeObject[]): readonly KubeObject[] {
  const hub = generateSigningKey();
  const bundle: Bundle = { apiVersion: "flotilla.dev/v1", kind: "Bundle", cluster: "eu-1", revision: "r1", apps: [{ name: "vault", namespace: "vault", objects }] };
  const created = createEnvelope({ fleet: "f", cluster: "eu-1", generation: 1, revision: "r1", issuedAt: 0, bundle: encodeBundle(bundle), signingKey: hub, maxPayload: 1024 * 1024 });
  const verified = verifyEnvelope({ envelope: created.value, hubPublicKey: hub.publicKey, fleet: "f", cluster: "eu-1", minGeneration: 0 });
  if (!verified.ok) throw verified.error;
  const app = desiredFromEnvelope(verified.envelope, verified.bundle).apps[0];
  if (app === undefined) throw new Error("no app");
  return app.objects;
}

async function setup(): Promise<{ recipient: string; keys: DecryptionKeys & { sops: SopsResolvedKeyRing } }> {
  const identity = await generateX25519Identity();
  const sops = await SopsResolvedKeyRing.from({ ageIdentities: [identity] });
  return { recipient: await identityToRecipient(identity), keys: { sealing: undefined, sops, version: "1" } };
}

describe("a SOPS manifest through the bundle encoding", () => {
  it.each([
    { name: "Flux-style order, MAC over all values", text: FLUX_STYLE, macOnlyEncrypted: false },
    { name: "Flux-style order, mac_only_encrypted", text: FLUX_STYLE, macOnlyEncrypted: true },
    { name: "every mapping in reverse order, MAC over all values", text: REVERSED, macOnlyEncrypted: false },
  ])("decrypts on the spoke: $name", async ({ text, macOnlyEncrypted }) => {
    const { recipient, keys } = await setup();
    const committed = parse(await encrypt(text, recipient, { macOnlyEncrypted })) as KubeObject;
    const received = throughTheWire([committed]);
    const { objects } = await new SecretDecryptor({ cluster: "eu-1" }).decryptApp("vault", received, keys);
    expect(JSON.stringify(received[0])).toBe(JSON.stringify(committed));
    expect(objects[0]).toEqual(parse(text));
    expect(Object.keys(objects[0] ?? {})).toEqual(Object.keys(parse(text) as object));
  });

  it("still fails the MAC when a value covered by it was changed after encryption", async () => {
    const { recipient, keys } = await setup();
    const committed = parse(await encrypt(FLUX_STYLE, recipient)) as KubeObject & { type: string };
    committed.type = "kubernetes.io/basic-auth";
    const received = throughTheWire([committed]);
    await expect(new SecretDecryptor({ cluster: "eu-1" }).decryptApp("vault", received, keys)).rejects.toMatchObject({ message: expect.stringContaining("SOPS_MAC_MISMATCH") as unknown });
  });

  it("still fails the MAC when the committed keys were reordered after encryption (as sops would)", async () => {
    const { recipient, keys } = await setup();
    const encrypted = parse(await encrypt(FLUX_STYLE, recipient)) as KubeObject & { stringData: Record<string, string> };
    const { password, "api-token": token } = encrypted.stringData;
    const reordered = { ...encrypted, stringData: { "api-token": token, password } } as KubeObject;
    await expect(new SecretDecryptor({ cluster: "eu-1" }).decryptApp("vault", throughTheWire([reordered]), keys)).rejects.toMatchObject({ message: expect.stringContaining("SOPS_MAC_MISMATCH") as unknown });
  });

  it.each<{ format: SopsFormat; payload: string }>([
    { format: "json", payload: '{"zeta": "z-value", "alpha": {"b": 1, "a": true}}' },
    { format: "dotenv", payload: "ZETA=z-value\nALPHA=a-value\n" },
  ])("a $format SOPS file inside a Secret's data travels as an opaque string", async ({ format, payload }) => {
    const { recipient, keys } = await setup();
    const file = await encryptSopsText(payload, { format, keyGroups: [[{ type: "age", recipient }]], random: (n) => new Uint8Array(randomBytes(n)), clock: { now: () => Date.now() } });
    const secret: KubeObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "env", namespace: "vault" }, stringData: { [`app.${format}`]: file } };
    const received = throughTheWire([secret]);
    const carried = (received[0] as unknown as { stringData: Record<string, string> }).stringData[`app.${format}`] ?? "";
    expect(carried).toBe(file);
    const opened = await decryptSopsText(carried, { format, keys: keys.sops });
    expect(opened.macVerified).toBe(true);
    expect(opened.data).toEqual(format === "json" ? JSON.parse(payload) : { ZETA: "z-value", ALPHA: "a-value" });
  });
});
