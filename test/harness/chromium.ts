import { chromium, type Browser } from "playwright-core";

/**
 * Debian's Chromium, headless, as root and offline: without the background-networking flags it
 * keeps trying Google's hosts, which this machine's closed network refuses.
 */
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}
