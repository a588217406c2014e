/**
 * The platform's services and their default ports (SPEC 1), in one place: each service's config schema takes its
 * default from here, and the launcher reads the same table to know where to look for /readyz.
 */
export const SERVICE_NAMES = ['gateway', 'bet-ledger', 'loyalty', 'feed-monitor', 'archiver'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The variable naming each service's ops port (/healthz, /readyz, /metrics) and its default. */
export const OPS_PORTS = {
  gateway: { variable: 'GATEWAY_OPS_PORT', default: 9101 },
  'bet-ledger': { variable: 'BET_LEDGER_OPS_PORT', default: 9102 },
  loyalty: { variable: 'LOYALTY_OPS_PORT', default: 9103 },
  'feed-monitor': { variable: 'FEED_MONITOR_OPS_PORT', default: 9104 },
  archiver: { variable: 'ARCHIVER_OPS_PORT', default: 9105 },
} as const satisfies Record<ServiceName, { variable: string; default: number }>;

/** The gateway's public HTTP + WebSocket port (GATEWAY_PORT). */
export const DEFAULT_GATEWAY_PORT = 8080;
