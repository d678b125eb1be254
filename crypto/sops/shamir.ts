import type { RandomSource } from "../../core/index.js";
import { SOPS_ERROR, SopsError } from "./sops-errors.js";

/**
 * Shamir secret sharing over GF(2^8), byte-compatible with sops' shamir package (HashiCorp
 * Vault's): each share is the y values followed by one x byte; the field uses the AES polynomial.
 */
function mult(a: number, b: number): number {
  let acc = 0;
  for (let i = 7; i >= 0; i--) {
    const bit = (b >> i) & 1;
    const aOrZero = -bit & a & 0xff;
    const reduce = -((acc >> 7) & 1) & 0x1b & 0xff;
    acc = (aOrZero ^ (reduce ^ ((acc + acc) & 0xff))) & 0xff;
  }
  return acc;
}

function inverse(a: number): number {
  let b = mult(a, a);
  let c = mult(a, b);
  b = mult(c, c);
  b = mult(b, b);
  c = mult(b, c);
  b = mult(b, b);
  b = mult(b, b);
  b = mult(b, c);
  b = mult(b, b);
  b = mult(a, b);
  return mult(b, b);
}

function div(a: number, b: number): number {
  if (b === 0) throw new SopsError(SOPS_ERROR.invalidMetadata, "Shamir: divide by zero (duplicate share x)");
  return mult(a, inverse(b));
}

function interpolate(xs: readonly number[], ys: readonly number[], x: number): number {
  let result = 0;
  for (let i = 0; i < xs.length; i++) {
    let basis = 1;
    for (let j = 0; j < xs.length; j++) {
      if (i === j) continue;
      basis = mult(basis, div(x ^ (xs[j] ?? 0), (xs[i] ?? 0) ^ (xs[j] ?? 0)));
    }
    result ^= mult(ys[i] ?? 0, basis);
  }
  return result;
}

export function shamirSplit(secret: Uint8Array, parts: number, threshold: number, random: RandomSource): Uint8Array[] {
  if (parts < threshold || parts > 255 || threshold < 2 || secret.length === 0) {
    throw new SopsError(SOPS_ERROR.invalidRequest, `cannot split the data key into ${parts} parts with threshold ${threshold}`);
  }
  const out = Array.from({ length: parts }, (_, i) => {
    const share = new Uint8Array(secret.length + 1);
    share[secret.length] = i + 1;
    return share;
  });
  secret.forEach((val, idx) => {
    const coeffs = [val, ...random(threshold - 1)];
    for (let i = 0; i < parts; i++) {
      const x = i + 1;
      let y = coeffs[coeffs.length - 1] ?? 0;
      for (let c = coeffs.length - 2; c >= 0; c--) y = mult(y, x) ^ (coeffs[c] ?? 0);
      (out[i] as Uint8Array)[idx] = y;
    }
  });
  return out;
}

export function shamirCombine(parts: readonly Uint8Array[]): Uint8Array {
  const first = parts[0];
  if (parts.length < 2 || first === undefined || first.length < 2 || parts.some((p) => p.length !== first.length)) {
    throw new SopsError(SOPS_ERROR.invalidMetadata, "Shamir: need at least two shares of equal length");
  }
  const xs = parts.map((p) => p[p.length - 1] ?? 0);
  if (new Set(xs).size !== xs.length) throw new SopsError(SOPS_ERROR.invalidMetadata, "Shamir: duplicate share");
  const secret = new Uint8Array(first.length - 1);
  for (let idx = 0; idx < secret.length; idx++) {
    secret[idx] = interpolate(xs, parts.map((p) => p[idx] ?? 0), 0);
  }
  return secret;
}
