import { describe, expect, it } from 'vitest';
import { PLAYER_EVENTS_PER_MESSAGE, playerEventMessage, playerEventMessages, type PlayerEvent } from './events.js';

const rejected = (i: number): PlayerEvent => ({
  type: 'bet:rejected',
  playerId: 'p',
  betId: `b${i}`,
  clientBetId: `c${i}`,
  reason: 'cell_closed',
});

describe('player event messages', () => {
  it('carry every event once, in order, at most PLAYER_EVENTS_PER_MESSAGE a message, each a valid message', () => {
    const events = Array.from({ length: PLAYER_EVENTS_PER_MESSAGE * 2 + 3 }, (_, i) => rejected(i));
    const messages = playerEventMessages(events);
    expect(messages).toHaveLength(3);
    const decoded = messages.map((m) => playerEventMessage.parse(JSON.parse(m)));
    expect(decoded.map((d) => d.length)).toEqual([PLAYER_EVENTS_PER_MESSAGE, PLAYER_EVENTS_PER_MESSAGE, 3]);
    expect(decoded.flat()).toEqual(events);
  });

  it('no events, no message; an empty array is not a valid message', () => {
    expect(playerEventMessages([])).toEqual([]);
    expect(playerEventMessage.safeParse([]).success).toBe(false);
  });
});
