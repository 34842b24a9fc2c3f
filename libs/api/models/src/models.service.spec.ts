import { describe, expect, it } from 'vitest';
import { ErrorCode, Limits } from '@arca/contracts';
import { DomainError } from '@arca/api-core';
import { normalizeTags } from './models.service.js';

function rejection(tags: string[]): DomainError {
  try {
    normalizeTags(tags);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error(`expected ${JSON.stringify(tags)} to be rejected`);
}

describe('normalizeTags', () => {
  it.each([
    [[], []],
    [['vision'], ['vision']],
    [
      ['Vision', 'NLP'],
      ['vision', 'nlp'],
    ],
    [['  fp16 ', 'fp16', 'FP16'], ['fp16']],
    [
      ['b', 'a', 'B', 'c', 'a'],
      ['b', 'a', 'c'],
    ],
    [
      ['team:ml', 'v1.2', 'a_b', 'x-y'],
      ['team:ml', 'v1.2', 'a_b', 'x-y'],
    ],
    [['0'], ['0']],
    [['a'.repeat(50)], ['a'.repeat(50)]],
  ])('%j → %j (lowercased, trimmed, deduplicated in first-seen order)', (input, output) => {
    expect(normalizeTags(input)).toEqual(output);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['inner space', 'image net'],
    ['leading punctuation', '-vision'],
    ['leading colon', ':ml'],
    ['slash', 'a/b'],
    ['percent', '50%'],
    ['non-ASCII', 'modèle'],
    ['51 characters', 'a'.repeat(51)],
  ])('rejects a tag with %s', (_label, tag) => {
    const error = rejection(['ok', tag]);
    expect(error.code).toBe(ErrorCode.BadUserInput);
    expect(error.details).toEqual({ field: 'tags' });
    expect(error.message).toMatch(/^invalid tag ".*": use lowercase letters, digits and :._-$/);
  });

  it('quotes at most 60 characters of an invalid tag', () => {
    const error = rejection(['x'.repeat(500) + ' y']);
    expect(error.message).toBe(`invalid tag "${'x'.repeat(60)}": use lowercase letters, digits and :._-`);
  });

  it(`allows ${Limits.tagsMax} distinct tags, counted after deduplication`, () => {
    const distinct = Array.from({ length: Limits.tagsMax }, (_, i) => `t${i}`);
    expect(normalizeTags(distinct)).toHaveLength(Limits.tagsMax);
    expect(normalizeTags([...distinct, 'T0', ' t1 '])).toEqual(distinct);
  });

  it(`rejects more than ${Limits.tagsMax} distinct tags`, () => {
    const error = rejection(Array.from({ length: Limits.tagsMax + 1 }, (_, i) => `t${i}`));
    expect(error.code).toBe(ErrorCode.BadUserInput);
    expect(error.message).toBe(`at most ${Limits.tagsMax} tags`);
    expect(error.details).toEqual({ field: 'tags' });
  });

  it('every normalized tag matches the contract pattern', () => {
    for (const tag of normalizeTags(['A', 'B.c', 'D:E', 'f_G', 'h-1'])) {
      expect(Limits.tagPattern.test(tag)).toBe(true);
    }
  });
});
