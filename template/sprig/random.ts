import { goFunc, type GoFunction } from "../go-function.js";
import { randomBelow, type RandomSource } from "../random-source.js";
import { allocation } from "../exec-budget.js";

/**
 * Sprig's random strings (goutils' CryptoRandom*: crypto/rand in Go), `randInt` and `shuffle`,
 * drawing from the injected RandomSource.
 */
const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS = "0123456789";
let ASCII = "";
for (let c = 32; c <= 126; c++) ASCII += String.fromCharCode(c);

function randomString(random: RandomSource, count: bigint, alphabet: string): string {
  if (count < 0n) throw new Error(`Requested random string length ${count} is less than 0.`);
  allocation(Number(count), "a random string");
  let out = "";
  for (let i = 0n; i < count; i++) out += alphabet[randomBelow(random, alphabet.length)];
  return out;
}

export function randomFuncs(random: RandomSource): ReadonlyArray<readonly [string, GoFunction]> {
  return [
    ["randAlphaNum", goFunc(["int"], (n: bigint) => randomString(random, n, LETTERS + DIGITS))],
    ["randAlpha", goFunc(["int"], (n: bigint) => randomString(random, n, LETTERS))],
    ["randAscii", goFunc(["int"], (n: bigint) => randomString(random, n, ASCII))],
    ["randNumeric", goFunc(["int"], (n: bigint) => randomString(random, n, DIGITS))],
    ["randInt", goFunc(["int", "int"], (min: bigint, max: bigint) => {
      const span = max - min;
      if (span <= 0n || span > 2n ** 32n) throw new Error("invalid argument to Intn");
      return min + BigInt(randomBelow(random, Number(span)));
    })],
    ["shuffle", goFunc(["string"], (s: string) => {
      const runes = [...s];
      for (let i = runes.length - 1; i > 0; i--) {
        const j = randomBelow(random, i + 1);
        [runes[i], runes[j]] = [runes[j] ?? "", runes[i] ?? ""];
      }
      return runes.join("");
    })],
  ];
}
