import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { interopFixturePath } from "../harness/index.js";
import { decryptSopsText } from "../../crypto/sops/decrypt.js";
import { formatForPath } from "../../crypto/sops/sops-store.js";
import type { SopsKeyRing } from "../../crypto/sops/key-ring.js";

interface Expected {
  format: string;
  keyFiles: string[];
  unwrappedVia: string;
  sopsVersion: string;
  macVerified: boolean | null;
  plaintext: unknown;
  comments?: ({ aad: string; plaintext: string } | { unencrypted: string })[];
}

const expected = JSON.parse(readFileSync(interopFixturePath("sops", "expected.json"), "utf8")) as Record<string, Expected>;
const read = (rel: string): string => readFileSync(interopFixturePath("sops", rel), "utf8");

function ringFor(files: readonly string[]): SopsKeyRing {
  const age: string[] = [];
  const pgp: string[] = [];
  for (const f of files) (f.endsWith(".asc") ? pgp : age).push(read(f));
  return { ageIdentities: age, pgpKeys: pgp };
}

describe("every positive sops fixture decrypts to expected.json", () => {
  for (const [file, exp] of Object.entries(expected)) {
    it(`${file} (sops ${exp.sopsVersion}, ${exp.format}, ${exp.unwrappedVia})`, async () => {
      const format = formatForPath(file);
      expect(format).toBe(exp.format);
      const result = await decryptSopsText(read(file), {
        format,
        keys: ringFor(exp.keyFiles),
        file,
        ignoreMac: exp.macVerified === null,
      });
      expect(result.data).toEqual(exp.plaintext);
      expect(result.macVerified).toBe(exp.macVerified === true);
      expect(result.metadata.version).toBe(exp.sopsVersion);
      for (const c of exp.comments ?? []) {
        const text = "plaintext" in c ? c.plaintext : c.unencrypted;
        expect(result.text).toContain(text.trim());
      }
    });
  }
});
