import { describe, expect, it } from 'vitest';
import { bytesToHex } from './bytes.js';
import { canonicalBytes, canonicalJson } from './jcs.js';

describe('RFC 8785 JSON canonicalisation', () => {
  it('§3.2.2 example: literals, numbers and string escaping', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        ' "literals": [null, true, false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('§3.2.3 example: sorts keys by UTF-16 code units', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const expectedOrder = [
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ];
    const text = canonicalJson(input);
    expect(Object.values(JSON.parse(text) as Record<string, string>).sort()).toEqual(
      [...expectedOrder].sort(),
    );
    expect(text).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    // The order follows code units, so U+1F600 (D83D DE00) comes before U+FB33 although its code point is larger.
    const positions = expectedOrder.map((v) => text.indexOf(v));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('§3.2.4 UTF-8 output of the sorting example', () => {
    expect(bytesToHex(canonicalBytes({ '\u20ac': 1, '\ud83d\ude00': 2 }))).toBe(
      '7b22e282ac223a312c22f09f9880223a327d',
    );
  });

  it('serialises numbers like ECMAScript (RFC 8785 Appendix B)', () => {
    const hexDouble = (hex: string): number =>
      new DataView(Uint8Array.from(Buffer.from(hex, 'hex')).buffer).getFloat64(0);
    const cases: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, text] of cases) expect(canonicalJson(hexDouble(bits)), bits).toBe(text);
    expect(canonicalJson([1e21, 1e-7, -0, 1e20, 0.1, 100, -1.5])).toBe(
      '[1e+21,1e-7,0,100000000000000000000,0.1,100,-1.5]',
    );
  });

  it('escapes exactly what ECMAScript escapes', () => {
    expect(canonicalJson('\u0000\u0008\t\n\u000b\f\r\u001f "\\/\u007f\u2028\ud83d\ude00')).toBe(
      '"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f \\"\\\\/\u007f\u2028\ud83d\ude00"',
    );
  });

  it('nests, omits undefined members and has no whitespace', () => {
    expect(canonicalJson({ b: [1, { d: true, c: null }], a: 'x', u: undefined, e: {}, f: [] })).toBe(
      '{"a":"x","b":[1,{"c":null,"d":true}],"e":{},"f":[]}',
    );
    expect(canonicalJson(Object.assign(Object.create(null) as object, { z: 1, y: 2 }))).toBe('{"y":2,"z":1}');
  });

  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', [-Infinity]],
    ['undefined', undefined],
    ['undefined in an array', [1, undefined]],
    ['a hole in an array', [1, , 3]], // eslint-disable-line no-sparse-arrays
    ['a function in an array', [() => 1]],
    ['a function member', { f: () => 1 }],
    ['a symbol', Symbol('s')],
    ['a bigint', 1n],
    ['a lone high surrogate', '\ud800'],
    ['a lone low surrogate in a key', { '\udc00': 1 }],
    ['a Date', new Date(0)],
    ['a Map', new Map()],
    ['a class instance', new (class Point {})()],
    ['a Uint8Array', new Uint8Array(2)],
    ['an object with toJSON', { toJSON: () => 'x' }],
  ])('throws TypeError on %s', (_, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it('says where the bad value is', () => {
    expect(() => canonicalJson({ a: [1, { b: NaN }] })).toThrow(
      'canonicalJson: $.a[1].b: NaN is not allowed in JSON',
    );
    expect(() => canonicalJson(['\udc00'])).toThrow('$[0]: string contains a lone surrogate');
  });

  it('throws on cycles but allows shared references', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/circular/);
  });

  it('produces the UTF-8 bytes of the text', () => {
    expect([...canonicalBytes({ k: '\u00e9' })]).toEqual([...Buffer.from('{"k":"\u00e9"}', 'utf8')]);
  });
});
