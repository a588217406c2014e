/** What queues and workers need of a logger (the service's pino logger fits); this package does not depend on the runtime's. */
export interface ErrorLogger {
  error(obj: object, msg: string): void;
}

/** Where errors go when the caller passes no logger (scripts, benches): stderr, never nowhere. */
export const stderrLogger: ErrorLogger = { error: (obj, msg) => console.error(msg, obj) };
