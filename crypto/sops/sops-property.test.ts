import { randomBytes } from "node:crypto";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as yamlStringify } from "yaml";
import { decryptSopsText } from "./decrypt.js";
import { isSopsError } from "./sops-errors.js";
import { encryptSopsText } from "./encrypt.js";
import { ResolvedKeyRing } from "./key-ring.js";

let identity: string;
let recipient: string;
let ring: ResolvedKeyRing;
beforeAll(async () => {
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
  ring = await ResolvedKeyRing.from({ ageIdentities: [identity] });
});

const key = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,8}$/);
const scalar = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).filter((d) => !Number.isInteger(d)),
  fc.boolean(),
);
const { tree } = fc.letrec((tie) => ({
  tree: fc.dictionary(key, tie("value"), { maxKeys: 5 }),
  value: fc.oneof({ depthSize: "small" }, scalar, fc.array(tie("value"), { maxLength: 3 }), tie("tree")),
}));

const opts = () => ({ keyGroups: [[{ type: "age" as const, recipient }]], random: (n: number) => randomBytes(n), clock: { now: () => 0 } });

describe("property: encrypt then decrypt is the identity", () => {
  it("JSON", async () => {
    await fc.assert(
      fc.asyncProperty(tree, async (obj) => {
        const text = `${JSON.stringify(obj, null, "\t")}\n`;
        const enc = await encryptSopsText(text, { format: "json", ...opts() });
        const dec = await decryptSopsText(enc, { format: "json", keys: ring });
        expect(dec.macVerified).toBe(true);
        expect(JSON.parse(dec.text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 25 },
    );
  });

  it("YAML", async () => {
    await fc.assert(
      fc.asyncProperty(tree, async (obj) => {
        const text = yamlStringify(obj);
        const enc = await encryptSopsText(text, { format: "yaml", ...opts() });
        const dec = await decryptSopsText(enc, { format: "yaml", keys: ring });
        expect(parseYaml(dec.text)).toEqual(parseYaml(text));
      }),
      { numRuns: 25 },
    );
  });
});

describe("property: damaged files fail with a SopsError, never a crash or plaintext", () => {
  const sources: Record<"yaml" | "json" | "dotenv", string> = {
    yaml: "apiVersion: v1\nkind: Secret\nstringData:\n  token: this is a secret\n  other: value\n",
    json: '{\n\t"token": "this is a secret",\n\t"n": 1\n}\n',
    dotenv: "TOKEN=this is a secret\nOTHER=value\n",
  };
  for (const [format, plain] of Object.entries(sources) as ["yaml" | "json" | "dotenv", string][]) {
    it(format, async () => {
      const src = await encryptSopsText(plain, { format, ...opts() });
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: src.length - 1 }), fc.constantFrom(..."aZ09+/=:,[]{}\"'#\n -"), async (at, ch) => {
          const damaged = src.slice(0, at) + ch + src.slice(at + 1);
          try {
            await decryptSopsText(damaged, { format, keys: ring });
          } catch (err) {
            expect(isSopsError(err)).toBe(true);
            expect((err as Error).message).not.toContain("this is a secret");
          }
        }),
        { numRuns: 60 },
      );
    });
  }
});
