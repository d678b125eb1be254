import { randomBytes } from "node:crypto";
import { generateSealingKey, type GeneratedSealingKey } from "../../crypto/open.js";
import { systemClock } from "../../core/index.js";

/** A fresh sealing key pair and certificate made by our own code (2048 bits: tests only). */
export function testSealingKey(): Promise<GeneratedSealingKey> {
  return generateSealingKey({ clock: systemClock, random: (n) => new Uint8Array(randomBytes(n)), bits: 2048 });
}

/**
 * Every spelling of a secret value an attacker could get out: the value, upper, lower and reversed,
 * every substring of 4 characters or more of those, its hex (both cases), base64 and base64url.
 */
export function leakForms(value: string): string[] {
  const forms = new Set<string>();
  const bytes = Buffer.from(value, "utf8");
  for (const v of [value, value.toUpperCase(), value.toLowerCase(), [...value].reverse().join("")]) {
    for (let i = 0; i + 4 <= v.length; i++) for (let j = i + 4; j <= v.length; j++) forms.add(v.slice(i, j));
  }
  for (const f of [bytes.toString("hex"), bytes.toString("hex").toUpperCase(), bytes.toString("base64"), bytes.toString("base64url")]) forms.add(f);
  return [...forms];
}

/** The leak forms of `value` found in `text` (empty when nothing leaked). */
export function leaksIn(text: string, value: string): string[] {
  return leakForms(value).filter((form) => text.includes(form));
}
