import { describe, expect, it } from 'vitest';
import { parseKeyOwner, parseKeyValue, recordOf } from './pending-record.js';
import { betIntent } from '@wagerflow/testing';

describe('parseKeyOwner (the ledger reads only who owns a key)', () => {
  const record = recordOf(betIntent({ betId: 'b1' }));

  it('names the bet of a pending record, and of the stored marker', () => {
    expect(parseKeyOwner(JSON.stringify(record))).toEqual({ owner: 'b1', stored: false });
    expect(parseKeyOwner(JSON.stringify({ betId: 'b2', stored: true }))).toEqual({ owner: 'b2', stored: true });
    expect(parseKeyOwner(null)).toBeNull();
    expect(parseKeyOwner(undefined)).toBeNull();
  });

  it('needs nothing of a record but its bet id', () => {
    expect(parseKeyOwner(JSON.stringify({ betId: 'b3' }))).toEqual({ owner: 'b3', stored: false });
  });

  it('reads a value that names no bet as owned by no intent (dropped), instead of throwing', () => {
    for (const raw of ['not json', '{}', '{"betId":""}', '[1,2]', '42']) expect(parseKeyOwner(raw)).toEqual({ owner: '', stored: false });
  });
});

describe('parseKeyValue (the gateway reads the whole record)', () => {
  it('tells a pending record from the stored marker and nothing', () => {
    const record = recordOf(betIntent({ betId: 'b1' }));
    expect(parseKeyValue(JSON.stringify(record))).toEqual({ kind: 'pending', record });
    expect(parseKeyValue(JSON.stringify({ betId: 'b2', stored: true }))).toEqual({ kind: 'stored', betId: 'b2' });
    expect(parseKeyValue(null)).toBeNull();
  });

  it('refuses a record missing a field', () => {
    const { stake: _stake, ...partial } = recordOf(betIntent());
    expect(() => parseKeyValue(JSON.stringify(partial))).toThrow();
  });
});
