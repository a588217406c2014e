/**
 * The opaque cursor of a loyalty account's entries (newest first): the account `seq` of the last entry of the page.
 * base64url of `e<seq>`, so that a cursor of another listing (GET /v1/bets) or a hand-made number does not parse.
 */
export function encodeEntryCursor(seq: number): string {
  return Buffer.from(`e${seq}`, 'utf8').toString('base64url');
}

/** The `seq` below which the next page starts, or null for a cursor that is not one of ours (400). */
export function decodeEntryCursor(cursor: string): number | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const m = /^e([1-9][0-9]{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const seq = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(seq) ? seq : null;
}
