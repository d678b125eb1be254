import { createHash, type KeyObject } from "node:crypto";

/**
 * The SSH-style SHA256 fingerprint of an RSA public key (`SHA256:` + unpadded base64), the key
 * the controller's key registry uses (upstream `PublicKeyFingerprint` via x/crypto/ssh).
 */
export function publicKeyFingerprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: "jwk" });
  if (jwk.kty !== "RSA" || jwk.n === undefined || jwk.e === undefined) throw new TypeError("not an RSA public key");
  const wire = Buffer.concat([
    sshString(Buffer.from("ssh-rsa")),
    sshString(mpint(Buffer.from(jwk.e, "base64url"))),
    sshString(mpint(Buffer.from(jwk.n, "base64url"))),
  ]);
  return `SHA256:${createHash("sha256").update(wire).digest("base64").replace(/=+$/, "")}`;
}

function sshString(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** RFC 4251 mpint of a positive big-endian integer: no leading zeros, one 0x00 if the top bit is set. */
function mpint(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return trimmed.length > 0 && (trimmed[0] & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
}
