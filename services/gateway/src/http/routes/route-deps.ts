import type { BetIntent, DepositResult, LoyaltyReply, RewardJob, SlipRequestJob, Tier, TickJob } from '@wagerflow/contracts';
import type { AcceptanceRules } from '../../domain/bet-acceptance.js';
import type { SecretBox } from '../../domain/secret-box.js';
import type { ArchiveRunsRepository } from '../../repositories/archive-runs.repository.js';
import type { KeyFilterBuilder } from '../../repositories/key-filter-builder.js';
import type { LedgerReadRepository } from '../../repositories/ledger-read.repository.js';
import type { LoyaltyReadRepository } from '../../repositories/loyalty-read.repository.js';
import type { PlayersRepository, StaffRepository } from '../../repositories/players.repository.js';
import type { RedisState } from '../../repositories/redis-state.js';
import type { ClaimResult } from '../../repositories/bet-enqueuer.js';
import type { Auth } from '../auth.js';

/** Everything route handlers use, wired in service.ts. */
export interface RouteDeps {
  auth: Auth;
  redis: RedisState;
  ledger: LedgerReadRepository;
  /** Builds players' key filters (GATEWAY_KEY_FILTER); none: bets are checked in Postgres. */
  keyFilters?: Pick<KeyFilterBuilder, 'request'>;
  /** Archive runs (SPEC 4.8, 5): request one, read one. */
  archive: ArchiveRunsRepository;
  loyalty: LoyaltyReadRepository;
  /** LOYALTY_TIERS: a player's tier from their lifetime points. */
  tiers: readonly Tier[];
  players: PlayersRepository;
  staff: StaffRepository;
  secretBox: SecretBox;
  rules: AcceptanceRules;
  gridBands: number;
  /** The bet's pending record (claiming its key) and its job in one Redis transaction; see ClaimResult. */
  enqueueBet(intent: BetIntent, claimBy: number): Promise<ClaimResult>;
  /** Queue a deposit and wait for the ledger's answer; null on timeout. */
  deposit(playerId: string, amount: number, reference: string, correlationId: string): Promise<DepositResult | null>;
  enqueueTick(tick: TickJob): Promise<void>;
  /** Queue a staff request on loyalty-requests and wait for loyalty's reply; null on timeout (LOYALTY_TIMEOUT_MS). */
  askLoyalty(request: LoyaltyRequest): Promise<LoyaltyReply | null>;
}

export type LoyaltyRequest = { kind: 'reward'; data: RewardJob } | { kind: 'slip-close' | 'slip-recover'; data: SlipRequestJob };
