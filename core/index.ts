export { FlotillaError, isFlotillaError, errorMessage, type FlotillaErrorOptions } from "./flotilla-error.js";
export { createLogger, silentLogger, REDACTED_PATHS, type Logger, type LoggerOptions } from "./logger.js";
export { systemClock, type Clock, type RandomSource } from "./clock.js";
export { locateExecutable, freePort, SBIN_DIRS } from "./local-host.js";
