import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeJson } from './json-encode.ts';

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
