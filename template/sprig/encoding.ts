import { createHash } from "node:crypto";
import { goFunc, type GoFunction } from "../go-function.js";

/** Go's base64.StdEncoding.DecodeString: strict alphabet and padding; errors name the byte. */
function b64dec(s: string): string {
  const clean = s.replace(/[\r\n]/g, "");
  const bad = /[^A-Za-z0-9+/=]/.exec(clean);
  if (bad !== null) return `illegal base64 data at input byte ${bad.index}`;
  const pad = clean.indexOf("=");
  if (clean.length % 4 !== 0 || (pad >= 0 && (pad < clean.length - 2 || /[^=]/.test(clean.slice(pad))))) {
    return `illegal base64 data at input byte ${pad >= 0 ? pad : clean.length - (clean.length % 4)}`;
  }
  return Buffer.from(clean, "base64").toString("utf8");
}

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function b32enc(s: string): string {
  const bytes = Buffer.from(s, "utf8");
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += "=";
  return out;
}

function b32dec(s: string): string {
  const clean = s.replace(/=+$/, "");
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (let i = 0; i < clean.length; i++) {
    const idx = B32.indexOf(clean[i]);
    if (idx < 0) return `illegal base32 data at input byte ${i}`;
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out).toString("utf8");
}

function adler32(s: string): string {
  let a = 1;
  let b = 0;
  for (const byte of Buffer.from(s, "utf8")) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return String(((b << 16) | a) >>> 0);
}

const hash = (alg: string) => (s: string): string => createHash(alg).update(s, "utf8").digest("hex");

/** Sprig's encoding and hashing functions (`crypto.go`, `strings.go`). */
export const ENCODING_FUNCS: ReadonlyArray<readonly [string, GoFunction]> = [
  ["b64enc", goFunc(["string"], (s: string) => Buffer.from(s, "utf8").toString("base64"))],
  ["b64dec", goFunc(["string"], b64dec)],
  ["b32enc", goFunc(["string"], b32enc)],
  ["b32dec", goFunc(["string"], b32dec)],
  ["sha1sum", goFunc(["string"], hash("sha1"))],
  ["sha256sum", goFunc(["string"], hash("sha256"))],
  ["sha512sum", goFunc(["string"], hash("sha512"))],
  ["adler32sum", goFunc(["string"], adler32)],
];
