import type { BetIntent, DepositResult, TickJob } from '@wagerflow/contracts';
import type { AcceptanceRules } from '../../domain/bet-acceptance.js';
import type { SecretBox } from '../../domain/secret-box.js';
import type { LedgerReadRepository } from '../../repositories/ledger-read.repository.js';
import type { PlayersRepository, StaffRepository } from '../../repositories/players.repository.js';
import type { PendingRecord, RedisState } from '../../repositories/redis-state.js';
import type { ClaimResult } from '../../repositories/bet-enqueuer.js';
import type { Auth } from '../auth.js';

/** Everything route handlers use, wired in service.ts. */
export interface RouteDeps {
  auth: Auth;
  redis: RedisState;
  ledger: LedgerReadRepository;
  players: PlayersRepository;
  staff: StaffRepository;
  secretBox: SecretBox;
  rules: AcceptanceRules;
  gridBands: number;
  /** Pending record + job in one Redis transaction; false when the record already existed. */
  enqueueBet(record: PendingRecord, intent: BetIntent, claimBy: number): Promise<ClaimResult>;
  /** Queue a deposit and wait for the ledger's answer; null on timeout. */
  deposit(playerId: string, amount: number, reference: string, correlationId: string): Promise<DepositResult | null>;
  enqueueTick(tick: TickJob): Promise<void>;
}
