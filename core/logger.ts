import { pino, type DestinationStream, type Logger as PinoLogger } from "pino";

/** The logger every module accepts. A structural subset of pino so tests can pass a pino to a stream. */
export type Logger = Pick<PinoLogger, "debug" | "info" | "warn" | "error" | "child">;

/**
 * Fields whose values are secret material wherever they appear in a log record. Paths follow
 * pino's redact syntax; `*` matches one level. Redaction is a second line of defence: code must
 * not log secrets in the first place.
 */
export const REDACTED_PATHS = [
  "data",
  "stringData",
  "*.data",
  "*.stringData",
  "*.*.data",
  "*.*.stringData",
  "password",
  "*.password",
  "token",
  "*.token",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "privateKey",
  "*.privateKey",
  "secret",
  "*.secret",
  "plaintext",
  "*.plaintext",
  "identity",
  "*.identity",
  "seed",
  "*.seed",
  "dataKey",
  "*.dataKey",
] as const;

export interface LoggerOptions {
  readonly level?: string;
  readonly name?: string;
  /** Where records go; defaults to stderr so stdout stays clean for command output. */
  readonly destination?: DestinationStream;
  /** Append JSON records to this file instead (created with its directories), keeping stderr for people. */
  readonly file?: string | undefined;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      ...(options.name === undefined ? {} : { name: options.name }),
      redact: { paths: [...REDACTED_PATHS], censor: "[REDACTED]" },
    },
    options.destination ?? (options.file === undefined ? pino.destination(2) : pino.destination({ dest: options.file, mkdir: true, sync: true })),
  );
}

/** A logger that drops everything, for library defaults and quiet commands. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
