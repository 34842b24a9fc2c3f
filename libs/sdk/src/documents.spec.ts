import { OPERATIONS } from '@arca/contracts';
import { describe, expect, it } from 'vitest';
import { DOCUMENTS } from './documents.js';

const capitalised = (s: string): string => s[0]?.toUpperCase() + s.slice(1);

describe('GraphQL documents', () => {
  it('cover exactly the operations of @arca/contracts', () => {
    expect(Object.keys(DOCUMENTS).sort()).toEqual(Object.keys(OPERATIONS).sort());
  });

  it.each(Object.entries(DOCUMENTS))(
    '%s: one named operation of the right kind on its root field',
    (name, doc) => {
      const kind = OPERATIONS[name as keyof typeof OPERATIONS].kind;
      const operations = doc.match(/^(query|mutation|subscription)\b.*$/gm) ?? [];
      expect(operations).toHaveLength(1);
      expect(operations[0]).toMatch(new RegExp(`^${kind} ${capitalised(name)}\\b.*\\{ ${name}\\b`));
    },
  );

  it.each(Object.entries(DOCUMENTS))(
    '%s: defines each fragment once and uses every one it defines',
    (_, doc) => {
      const defined = [...doc.matchAll(/^fragment (\w+) on /gm)].map((m) => m[1]);
      const spread = new Set([...doc.matchAll(/\.\.\.(\w+)/g)].map((m) => m[1]));
      expect(new Set(defined).size).toBe(defined.length);
      expect(new Set(defined)).toEqual(spread);
    },
  );
});
