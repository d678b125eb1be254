// Fuzzing SOPS decryption (crypto/sops) in every store format, as the CLI reads files
// (decryptSopsText) and as the spoke opens a manifest from its bundle (decryptSopsObject). The
// insider commits a damaged or rewritten SOPS file: bytes flipped or cut, metadata fields removed
// or retyped, values swapped, prototype keys. Every failure is a SOPS_* code without plaintext,
// and a file that still decrypts yields exactly the data that was encrypted. Keys: a fresh age
// identity per run.
import { randomBytes } from "node:crypto";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as yamlStringify } from "yaml";
import { decryptSopsObject, decryptSopsText, SopsResolvedKeyRing } from "../../crypto/open.js";
import { SOPS_ERROR, encryptSopsText, type SopsFormat } from "../../crypto/sops/index.js";
import { applyMutation, bounds, byteDamage, damageText, materialize, mutation, outcomeAsync, toJsonText, type Mutation } from "./fuzz-support.js";

const CODES = Object.values(SOPS_ERROR);
const SECRET = "fuzz-sops-plaintext-7731";

const PLAIN: Record<SopsFormat, string> = {
  yaml: `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: ${SECRET}\n  port: 5432\n  list:\n    - a\n    - true\n`,
  json: `${JSON.stringify({ apiVersion: "v1", kind: "Secret", stringData: { password: SECRET, n: 1.5, ok: false, list: ["x", null] } }, null, "\t")}\n`,
  dotenv: `PASSWORD=${SECRET}\nUSER=admin\n#comment\nEMPTY=\n`,
  ini: `[database]\npassword = ${SECRET}\nuser = admin\n\n[other]\nkey = value\n`,
  binary: `raw bytes ${SECRET}\n\u0000\u00ff`,
};
const FORMATS = Object.keys(PLAIN) as SopsFormat[];

let ring: SopsResolvedKeyRing;
const encrypted = {} as Record<SopsFormat, string>;
const expected = {} as Record<SopsFormat, unknown>;

beforeAll(async () => {
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  ring = await SopsResolvedKeyRing.from({ ageIdentities: [identity] });
  for (const format of FORMATS) {
    encrypted[format] = await encryptSopsText(PLAIN[format], {
      format,
      keyGroups: [[{ type: "age", recipient }]],
      random: (n) => new Uint8Array(randomBytes(n)),
      clock: { now: () => Date.UTC(2026, 0, 1) },
    });
    expected[format] = (await decryptSopsText(encrypted[format], { format, keys: ring })).documents;
  }
}, 60_000);

/**
 * The scalars of a value in document order, with the key path of each: what the SOPS MAC
 * authenticates. Arrays add nothing to a value's path, and empty strings and nulls are neither
 * encrypted nor hashed (sops' design), so wrapping a value in a one-item list, or adding or removing
 * an empty or null value, keeps the MAC. See docs/security-model.md § Known limits.
 */
function leaves(value: unknown, path = "", out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) leaves(item, path, out);
  else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) leaves(v, `${path}:${k}`, out);
  else if (value !== null && value !== "") out.push(`${path}=${JSON.stringify(value)}`);
  return out;
}

/** Decrypts as the CLI does; a success must give the original values, a failure a code without plaintext. */
async function decryptText(text: string, format: SopsFormat): Promise<void> {
  try {
    const result = await outcomeAsync(() => decryptSopsText(text, { format, keys: ring, file: `f.${format}` }), CODES);
    if (result !== undefined) expect(leaves(result.documents)).toEqual(leaves(expected[format]));
  } catch (err) {
    expect(String(err)).not.toContain(SECRET);
    throw err;
  }
  try {
    await decryptSopsText(text, { format, keys: ring });
  } catch (err) {
    expect((err as Error).message).not.toContain(SECRET);
  }
}

/** Mutations aimed at the `sops` metadata half of the time (where the parser has the most to check). */
const aimedMutation = fc.tuple(mutation, fc.boolean());

function mutateTree(tree: Record<string, unknown>, [m, atMetadata]: [Mutation, boolean]): unknown {
  if (!atMetadata || typeof tree.sops !== "object") return applyMutation(tree, m);
  const copy = { ...tree };
  copy.sops = applyMutation(tree.sops, m);
  return copy;
}

describe("fuzz: SOPS files", () => {
  it("every format decrypts (the baseline the mutations start from)", async () => {
    for (const format of FORMATS) await decryptText(encrypted[format], format);
    expect(JSON.stringify(expected.yaml)).toContain(SECRET);
  });

  it("damaged bytes in any format fail with a code or decrypt to the original data", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...FORMATS), byteDamage, async (format, d) => {
        await decryptText(damageText(encrypted[format], d), format);
      }),
      bounds(400, 2_000),
    );
  });

  it("JSON and YAML files with fields removed, retyped, huge, deep or __proto__ fail with a code", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("json" as const, "yaml" as const, "binary" as const), aimedMutation, async (format, m) => {
        const tree = (format === "yaml" ? parseYaml(encrypted.yaml) : JSON.parse(encrypted[format])) as Record<string, unknown>;
        const mutated = mutateTree(tree, m);
        let text: string;
        try {
          text = format === "yaml" ? yamlStringify(materialize(mutated)) : toJsonText(mutated);
        } catch {
          return; // the yaml library cannot write it (too deep): not a file anyone can commit
        }
        await decryptText(text, format);
      }),
      bounds(300, 2_000),
    );
  });

  it("the spoke's object path (decryptSopsObject) fails with a code or gives the original data", async () => {
    const object = parseYaml(encrypted.yaml) as Record<string, unknown>;
    const plain = await decryptSopsObject(object, ring);
    await fc.assert(
      fc.asyncProperty(aimedMutation, async (m) => {
        const mutated = materialize(mutateTree(object, m));
        const result = await outcomeAsync(() => decryptSopsObject(mutated, ring), CODES);
        if (result !== undefined) expect(leaves(result)).toEqual(leaves(plain));
      }),
      bounds(300, 1_000),
    );
  });
});
