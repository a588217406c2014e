import { describe, it, expect } from 'vitest';
import { createSecretBox } from './secret-box.js';

const KEY = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const OTHER_KEY = 'ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const SECRET = 'a3f9c1e07b6d4f2a9e8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e';

type Parts = { v: string; iv: Buffer; tag: Buffer; ct: Buffer };
const split = (sealed: string): Parts => {
  const [v, iv, tag, ct] = sealed.split('.') as [string, string, string, string];
  return { v, iv: Buffer.from(iv, 'base64url'), tag: Buffer.from(tag, 'base64url'), ct: Buffer.from(ct, 'base64url') };
};
const join = (p: Parts) => [p.v, p.iv.toString('base64url'), p.tag.toString('base64url'), p.ct.toString('base64url')].join('.');
const flipByte = (b: Buffer, i = 0) => {
  const c = Buffer.from(b);
  c[i] = (c[i] ?? 0) ^ 0x01;
  return c;
};

describe('createSecretBox', () => {
  const box = createSecretBox(KEY);

  it('round-trips a secret', () => {
    expect(box.open(box.seal(SECRET))).toBe(SECRET);
  });

  it('round-trips unicode and a one-character secret', () => {
    expect(box.open(box.seal('zoë ✓ 🔑'))).toBe('zoë ✓ 🔑');
    expect(box.open(box.seal('x'))).toBe('x');
  });

  it('opens with a second box built from the same key', () => {
    expect(createSecretBox(KEY).open(box.seal(SECRET))).toBe(SECRET);
  });

  it('has the v1.<iv>.<tag>.<ciphertext> format (12-byte iv, 16-byte tag, base64url)', () => {
    const sealed = box.seal(SECRET);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const p = split(sealed);
    expect(p.v).toBe('v1');
    expect(p.iv).toHaveLength(12);
    expect(p.tag).toHaveLength(16);
    expect(p.ct).toHaveLength(Buffer.byteLength(SECRET));
    expect(sealed).not.toContain(SECRET);
  });

  it('seals the same secret differently each time (random iv)', () => {
    const a = box.seal(SECRET);
    const b = box.seal(SECRET);
    expect(a).not.toBe(b);
    expect(split(a).iv.equals(split(b).iv)).toBe(false);
    expect(split(a).ct.equals(split(b).ct)).toBe(false);
    expect(box.open(a)).toBe(SECRET);
    expect(box.open(b)).toBe(SECRET);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => createSecretBox(KEY.slice(0, 32)).seal(SECRET)).toThrow();
  });

  it('fails with the wrong key', () => {
    const sealed = box.seal(SECRET);
    expect(() => createSecretBox(OTHER_KEY).open(sealed)).toThrow();
  });

  describe('detects tampering', () => {
    const sealed = box.seal(SECRET);
    const p = split(sealed);

    it.each([
      ['ciphertext first byte', () => join({ ...p, ct: flipByte(p.ct, 0) })],
      ['ciphertext last byte', () => join({ ...p, ct: flipByte(p.ct, p.ct.length - 1) })],
      ['tag', () => join({ ...p, tag: flipByte(p.tag, 15) })],
      ['iv', () => join({ ...p, iv: flipByte(p.iv, 3) })],
      ['truncated ciphertext', () => join({ ...p, ct: p.ct.subarray(0, p.ct.length - 1) })],
      ['extended ciphertext', () => join({ ...p, ct: Buffer.concat([p.ct, Buffer.from([0])]) })],
      ['swapped ciphertext from another seal', () => join({ ...p, ct: split(box.seal(SECRET.replace('a', 'b'))).ct })],
    ])('%s', (_label, tampered) => {
      expect(() => box.open(tampered())).toThrow();
    });

    // GCM accepts tags of 4..16 bytes unless told otherwise; a truncated tag is a prefix of the real one.
    it('rejects a tag truncated to 4 bytes', () => {
      expect(() => box.open(join({ ...p, tag: p.tag.subarray(0, 4) }))).toThrow();
    });

    it.each([
      ['an unknown version', sealed.replace(/^v1\./, 'v2.')],
      ['a missing part', sealed.split('.').slice(0, 3).join('.')],
      ['an empty ciphertext part', `${sealed.split('.').slice(0, 3).join('.')}.`],
      ['plain text', SECRET],
      ['an empty string', ''],
    ])('rejects %s', (_label, bad) => {
      expect(() => box.open(bad)).toThrow();
    });
  });
});
