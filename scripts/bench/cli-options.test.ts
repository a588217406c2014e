import { describe, expect, it } from 'vitest';
import { parseOptions, type BenchOptions } from './cli-options.js';

const parse = (...argv: string[]) => parseOptions(argv) as BenchOptions;

describe('parseOptions', () => {
  it('defaults to a 60 s e2e run at 1,000 bets/s over 200 players', () => {
    expect(parse()).toMatchObject({ mode: 'e2e', rate: 1_000, durationS: 60, players: 200, connections: 64, telemetry: false });
  });

  it('shortens e2e inside --mode all, and everything with --quick', () => {
    expect(parse('--mode', 'all').durationS).toBe(30);
    expect(parse('--quick')).toMatchObject({ durationS: 8, bets: 3_000, rampStepDurationS: 4 });
    expect(parse('--quick', '--duration', '20').durationS).toBe(20);
  });

  it('reads every flag', () => {
    expect(
      parse(
        '--mode',
        'ramp',
        '--rate',
        '3000',
        '--players',
        '10',
        '--telemetry',
        'on',
        '--profile',
        'gateway, bet-ledger',
        '--ramp-max',
        '4000',
      ),
    ).toMatchObject({ mode: 'ramp', rate: 3_000, players: 10, telemetry: true, profile: ['gateway', 'bet-ledger'], rampMax: 4_000 });
  });

  it('sizes a settlement run with its own defaults', () => {
    expect(parse('--mode', 'settlement')).toMatchObject({
      mode: 'settlement',
      settlementBets: 100_000,
      settlementPlayers: 1_000,
      chunk: 2_000,
      ticks: 20_000,
    });
    expect(parse('--mode', 'settlement', '--bets', '500', '--players', '5', '--chunk', '50', '--ticks', '10')).toMatchObject({
      settlementBets: 500,
      settlementPlayers: 5,
      chunk: 50,
      ticks: 10,
    });
    expect(() => parse('--mode', 'settlement', '--chunk', '0')).toThrow(/--chunk must be a positive integer/);
  });

  it('sizes a loyalty run with its own defaults, --quick a smoke run', () => {
    expect(parse('--mode', 'loyalty')).toMatchObject({
      mode: 'loyalty',
      plays: 100_000,
      playsPerJob: 1_000,
      loyaltyPlayers: 1_000,
      rewardRate: 200,
      durationS: 60,
    });
    expect(parse('--mode', 'loyalty', '--quick')).toMatchObject({ plays: 10_000, loyaltyPlayers: 100, rewardRate: 50, durationS: 8 });
    expect(
      parse('--mode', 'loyalty', '--plays', '2000', '--plays-per-job', '500', '--players', '20', '--reward-rate', '300', '--duration', '5'),
    ).toMatchObject({ plays: 2_000, playsPerJob: 500, loyaltyPlayers: 20, rewardRate: 300, durationS: 5 });
    expect(() => parse('--mode', 'loyalty', '--plays-per-job', '5001')).toThrow(/at most 5000/);
  });

  it('refuses bad values', () => {
    expect(() => parse('--mode', 'nope')).toThrow(/--mode must be one of/);
    expect(() => parse('--rate', '0')).toThrow(/--rate must be a positive integer/);
    expect(() => parse('--telemetry', 'yes')).toThrow(/--telemetry/);
    expect(() => parse('--ramp-factor', '1')).toThrow(/--ramp-factor/);
    expect(() => parse('--bogus')).toThrow();
    expect(parseOptions(['--help'])).toBe('help');
  });

  it('sizes an overload run: 20 s steps after a 4,000/s capacity step, --quick 5 s at 3,000/s', () => {
    expect(parse('--mode', 'overload')).toMatchObject({ mode: 'overload', durationS: 20, capacityRate: 4_000, connections: 1_000 });
    expect(parse('--mode', 'overload', '--quick')).toMatchObject({ durationS: 5, capacityRate: 3_000 });
    expect(parse('--mode', 'overload', '--duration', '30', '--capacity-rate', '6000')).toMatchObject({
      durationS: 30,
      capacityRate: 6_000,
    });
    expect(() => parse('--mode', 'overload', '--capacity-rate', '0')).toThrow(/--capacity-rate must be a positive integer/);
  });

  it('sizes an archive run: 1,000,000 bets in partitions of 5,000 (the archiver default), two 60 s windows at 60/s; --quick 50,000 and 5 s', () => {
    expect(parse('--mode', 'archive')).toMatchObject({
      mode: 'archive',
      archiveBets: 1_000_000,
      partitionBets: 5_000,
      rate: 60,
      durationS: 60,
    });
    expect(parse('--mode', 'archive', '--quick')).toMatchObject({ archiveBets: 50_000, rate: 60, durationS: 5 });
    expect(parse('--mode', 'archive', '--bets', '200000', '--partition-bets', '20000', '--rate', '400')).toMatchObject({
      archiveBets: 200_000,
      partitionBets: 20_000,
      rate: 400,
    });
    expect(() => parse('--mode', 'archive', '--partition-bets', '100001')).toThrow(/--partition-bets must be at most 100000/);
    expect(parse('--mode', 'archive').pauseRatio).toBeNull();
    expect(parse('--mode', 'archive').traceBets).toBeNull();
    expect(parse('--mode', 'archive', '--trace-bets', 'bets.ndjson').traceBets).toBe('bets.ndjson');
    expect(parse('--mode', 'e2e').cells).toBe('few');
    expect(parse('--mode', 'e2e', '--cells', 'hot').cells).toBe('hot');
    expect(parse('--mode', 'e2e', '--cells', 'spread').cells).toBe('spread');
    expect(() => parse('--mode', 'e2e', '--cells', 'all')).toThrow(/--cells must be one of few, spread, hot/);
    expect(parse('--mode', 'archive', '--pause-ratio', '0').pauseRatio).toBe(0);
    expect(parse('--mode', 'archive', '--pause-ratio', '0.5').pauseRatio).toBe(0.5);
    expect(() => parse('--mode', 'archive', '--pause-ratio', '-1')).toThrow(/--pause-ratio/);
    expect(parse('--mode', 'e2e').ledgerProcesses).toBe(1);
    expect(parse('--mode', 'e2e', '--ledger-processes', '2').ledgerProcesses).toBe(2);
    expect(() => parse('--mode', 'e2e', '--ledger-processes', '0')).toThrow(/--ledger-processes/);
  });
});
