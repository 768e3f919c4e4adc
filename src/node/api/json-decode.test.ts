// JSON bodies decode as Centrifugo's Go decoder reads them (each case below was sent to
// Centrifugo v6.9.1; the comment gives its answer).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeBatchBody,
  decodeBatchObject,
  decodeMethodBody,
  decodeRequestObject,
  RequestDecodeError,
} from './json-decode.ts';

const refused = (fn: () => unknown, pattern?: RegExp) =>
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RequestDecodeError, String(err));
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
const text = (b: Uint8Array) => Buffer.from(b).toString();

describe('integer fields', () => {
  it('take integer literals within the proto type only (Centrifugo: 400 otherwise)', () => {
    const history = (limit: string) => () => decodeMethodBody('history', `{"limit":${limit}}`);
    assert.equal(history('2147483647')().limit, 2147483647);
    assert.equal(history('-2147483648')().limit, -2147483648);
    assert.equal(history('-0')().limit, 0);
    refused(history('2147483648'), /out of range for int32/);
    refused(history('-2147483649'), /out of range/);
    refused(history('1.0'), /integer/);
    refused(history('1e2'), /integer/);
    refused(history('"1"'), /integer/);
  });

  it('check uint64, uint32 and int64 bounds by their literal, beyond 2^53', () => {
    const since = (offset: string) => () =>
      decodeMethodBody('history', `{"since":{"offset":${offset}}}`);
    // Accepted; the number itself is a double (exact below 2^53, as offsets are in practice).
    assert.equal(since('18446744073709551615')().since?.offset, 2 ** 64);
    refused(since('18446744073709551616'), /out of range for uint64/);
    refused(since('-1'), /non-negative/);
    refused(since('-0'), /non-negative/);
    const code = (c: string) => () =>
      decodeMethodBody('disconnect', `{"disconnect":{"code":${c}}}`);
    assert.equal(code('4294967295')().disconnect?.code, 4294967295);
    refused(code('4294967296'), /uint32/);
    const expire = (e: string) => () => decodeMethodBody('refresh', `{"expire_at":${e}}`);
    assert.equal(expire('9223372036854775807')().expire_at, 2 ** 63);
    refused(expire('9223372036854775808'), /int64/);
    refused(expire('-9223372036854775809'), /int64/);
    refused(() => decodeMethodBody('publish', '{"version":18446744073709551616}'), /uint64/);
  });

  it('from protobuf objects are already typed and pass as numbers', () => {
    assert.equal(decodeRequestObject('history', { limit: -1 }).limit, -1);
  });
});

describe('null and empty', () => {
  it('a null field keeps its zero value; a null bytes field is the bytes null', () => {
    const req = decodeMethodBody(
      'publish',
      '{"channel":null,"data":null,"tags":{"a":null},"skip_history":null,"version":null}',
    );
    assert.equal(req.channel, '');
    assert.equal(text(req.data), 'null', 'Centrifugo publishes null (its Raw keeps the literal)');
    assert.deepEqual(req.tags, { a: '' });
    assert.equal(req.skip_history, false);
    assert.equal(req.version, 0);
    const h = decodeMethodBody('history', '{"since":{"offset":null,"epoch":null}}');
    assert.deepEqual(h.since, { offset: 0, epoch: '' });
    const b = decodeMethodBody('broadcast', '{"channels":["a",null]}');
    assert.deepEqual(b.channels, ['a', ''], 'a null channel is "" (per-channel 107)');
  });

  it('a null body is an empty request; an empty body is a 400', () => {
    assert.equal(decodeMethodBody('publish', 'null').channel, '');
    refused(() => decodeMethodBody('publish', ''), /empty/);
    refused(() => decodeMethodBody('publish', ' \n'), /empty/);
    refused(() => decodeMethodBody('publish', '[]'), /object/);
    refused(() => decodeMethodBody('publish', '{} {}'), /not valid JSON/);
  });
});

describe('field names', () => {
  it('match case-insensitively when no field has the exact name, the last one winning', () => {
    assert.equal(decodeMethodBody('publish', '{"Channel":"a","data":1}').channel, 'a');
    assert.equal(decodeMethodBody('publish', '{"channel":"a","CHANNEL":"b"}').channel, 'b');
    assert.equal(decodeMethodBody('publish', '{"CHANNEL":"b","channel":"a"}').channel, 'a');
    assert.equal(text(decodeMethodBody('publish', '{"DATA":[1, 2]}').data), '[1, 2]');
    assert.deepEqual(decodeMethodBody('history', '{"Since":{"OFFSET":3}}').since, {
      offset: 3,
      epoch: '',
    });
    // U+017F folds to s and the Kelvin sign to k in Go, so these name fields too.
    assert.equal(decodeMethodBody('publish', '{"\u017fkip_history":true}').skip_history, true);
    assert.equal(decodeMethodBody('map_remove', '{"\u212aey":"x"}').key, 'x');
  });

  it('ignore unknown fields of any type', () => {
    const req = decodeMethodBody('publish', '{"channel":"a","x":{"deep":[1,{"y":null}]}}');
    assert.equal(req.channel, 'a');
  });
});

describe('batch', () => {
  it('takes a missing, null or empty command list as no commands', () => {
    for (const body of ['{}', 'null', '{"commands":null}', '{"commands":[]}']) {
      assert.deepEqual(decodeBatchBody(body), { commands: [], parallel: false }, body);
    }
    assert.equal(decodeBatchBody('{"parallel":null}').parallel, false);
    refused(() => decodeBatchBody('{"commands":{}}'), /list/);
    refused(() => decodeBatchBody('{"commands":[1]}'), /object/);
  });

  it('marks a null command invalid (107) and one without a known method as none (104)', () => {
    const { commands } = decodeBatchBody('{"commands":[null,{},{"connections":{}},{"Info":{}}]}');
    assert.deepEqual(
      commands.map((c) => c.method ?? (c.invalid ? 'invalid' : 'none')),
      ['invalid', 'none', 'none', 'info'],
    );
  });

  it('runs the first method in Centrifugo executor order: history before presence', () => {
    const { commands } = decodeBatchBody(
      '{"commands":[{"presence":{"channel":"p"},"history":{"channel":"h"}},{"publish":null,"broadcast":{"channels":["b"],"data":1}}]}',
    );
    assert.deepEqual(
      commands.map((c) => c.method),
      ['history', 'broadcast'],
    );
    const proto = decodeBatchObject({ commands: [{ presence: { channel: 'p' }, info: {} }] });
    assert.equal(proto.commands[0]?.method, 'presence');
  });
});

describe('JSON bodies keep publication data as sent', () => {
  it('in a single publish and in a batch, escaped keys included', () => {
    const single = decodeMethodBody(
      'publish',
      '{"channel":"c","d\\u0061ta":{"big":12345678901234567890}}',
    );
    assert.equal(Buffer.from(single.data).toString(), '{"big":12345678901234567890}');
    const batch = decodeBatchBody(
      '{"comm\\u0061nds":[{"publish":{"channel":"a","data":[1, 2]}} , {"x":{"data":1},"publish":{"channel":"b","data":"s\\\\\\"}"}}]}',
    );
    const datas = batch.commands.map((c) =>
      Buffer.from(
        ('request' in c ? (c.request as { data: Uint8Array }) : { data: [] }).data,
      ).toString(),
    );
    assert.deepEqual(datas, ['[1, 2]', '"s\\\\\\"}"']);
  });
});
