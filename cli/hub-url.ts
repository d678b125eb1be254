import { HubClient } from "../demo/index.js";
import type { CliContext } from "./context.js";

/** Where commands that talk to the hub look when neither --hub nor $FLOTILLA_HUB is given. */
export const DEFAULT_HUB_URL = "http://127.0.0.1:8080";

/** The hub a command talks to: `--hub`, else `$FLOTILLA_HUB` (when not empty), else DEFAULT_HUB_URL. */
export function hubUrlFrom(flag: string | undefined, ctx: Pick<CliContext, "env">): string {
  const fromEnv = ctx.env.FLOTILLA_HUB;
  return flag ?? (fromEnv === undefined || fromEnv === "" ? DEFAULT_HUB_URL : fromEnv);
}

/** A client for the hub at `url`, stopped by Ctrl-C, presenting $FLOTILLA_HUB_TOKEN when the hub protects its reads. */
export function hubClientFor(url: string, ctx: Pick<CliContext, "env" | "shutdown">): HubClient {
  return new HubClient({ url, signal: ctx.shutdown, token: ctx.env.FLOTILLA_HUB_TOKEN });
}
