import { generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";

export type KeyAlgorithm = "rsa-2048" | "rsa-4096" | "ecdsa-p256" | "ed25519" | "dsa-2048-256";

/**
 * Where the Sprig functions that Go backs with crypto/rand get their randomness (`randAlpha`,
 * `uuidv4`, `encryptAES` IVs, certificate serials, bcrypt salts) and their fresh keys. Injected
 * like the clock so that tests pin it; renders that use these functions are not reproducible by
 * nature, exactly as in Helm and Argo CD.
 */
export interface RandomSource {
  bytes(n: number): Uint8Array;
  /** A new private key. node:crypto cannot draw keys from `bytes`, hence its own method. */
  privateKey(algorithm: KeyAlgorithm): KeyObject;
}

export const systemRandom: RandomSource = {
  bytes: (n) => randomBytes(n),
  privateKey: (algorithm) => {
    switch (algorithm) {
      case "rsa-2048":
        return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
      case "rsa-4096":
        return generateKeyPairSync("rsa", { modulusLength: 4096 }).privateKey;
      case "ecdsa-p256":
        return generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
      case "ed25519":
        return generateKeyPairSync("ed25519").privateKey;
      case "dsa-2048-256":
        return generateKeyPairSync("dsa", { modulusLength: 2048, divisorLength: 256 }).privateKey;
    }
  },
};

/** A uniformly drawn integer in [0, n) (rejection sampling, no modulo bias). */
export function randomBelow(random: RandomSource, n: number): number {
  if (n <= 0 || n > 2 ** 32) throw new Error("invalid argument to Intn");
  const limit = Math.floor(2 ** 32 / n) * n;
  for (;;) {
    const b = random.bytes(4);
    const x = (((b[0] ?? 0) << 24) >>> 0) + ((b[1] ?? 0) << 16) + ((b[2] ?? 0) << 8) + (b[3] ?? 0);
    if (x < limit) return x % n;
  }
}
