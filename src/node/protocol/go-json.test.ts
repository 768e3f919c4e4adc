import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeJson, ResponseEncodeError } from './go-json.ts';

describe('encodeJson', () => {
  it('writes bytes raw, skips undefined fields, and matches JSON.stringify otherwise', () => {
    const data = Buffer.from('{"big":12345678901234567890,"s":"é"}');
    const value = {
      result: {
        publications: [{ data, offset: 3, info: undefined }, { data: new Uint8Array(0) }],
        epoch: 'x"y',
        nested: { list: [1, 'two', null, true], empty: {} },
      },
      'odd "key"': [],
    };
    assert.equal(
      encodeJson(value),
      '{"result":{"publications":[{"data":{"big":12345678901234567890,"s":"é"},"offset":3},{"data":null}],"epoch":"x\\"y","nested":{"list":[1,"two",null,true],"empty":{}}},"odd \\"key\\"":[]}',
    );
    const plain = { a: [1, { b: 'c' }], d: null, e: 1.5 };
    assert.equal(encodeJson(plain), JSON.stringify(plain));
    assert.equal(encodeJson({ result: {} }), '{"result":{}}');
  });
});

describe('bytes as Centrifugo (Go) writes them', () => {
  const enc = (raw: string) => encodeJson({ data: Buffer.from(raw) });

  it('compacts whitespace between tokens and keeps it inside strings', () => {
    // Centrifugo v6.9.1: data {"a":   1,\n "b" : [1, 2]} comes back from history as {"a":1,"b":[1,2]}.
    assert.equal(
      enc('{"a":   1,\n "b" : [1, 2], "s": "x y"}'),
      '{"data":{"a":1,"b":[1,2],"s":"x y"}}',
    );
    assert.equal(enc(' {"a": 1} '), '{"data":{"a":1}}');
  });

  it('escapes <, >, & and U+2028/U+2029, in bytes and in strings', () => {
    // Centrifugo v6.9.1: {"a":"<b>&\u2028é"} comes back as {"a":"\u003cb\u003e\u0026\u2028é"}.
    assert.equal(enc('{"a":"<b>&\u2028é"}'), '{"data":{"a":"\\u003cb\\u003e\\u0026\\u2028é"}}');
    assert.equal(encodeJson({ channel: 'a<b' }), '{"channel":"a\\u003cb"}');
  });

  it('keeps numbers, escapes and keys exactly as sent', () => {
    const raw = '{"big":12345678901234567890,"f":-1.5e+3,"u":"\\u00e9\\"","k":{"b":1,"a":2}}';
    assert.equal(enc(raw), `{"data":${raw}}`);
  });

  it('refuses bytes that are not one JSON value (HTTP then answers a plain 500)', () => {
    for (const raw of [
      '\xff\xfe',
      '{"a":1',
      '{"a":1}x',
      '[1,]',
      '01',
      '"\u0001"',
      'nul',
      '{a:1}',
    ]) {
      assert.throws(() => enc(raw), ResponseEncodeError, raw);
    }
  });
});
