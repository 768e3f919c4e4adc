import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestDecodeError } from './json-decode.ts';
import { legacyCommands } from './legacy-commands.ts';

const all = (body: string) => [...legacyCommands(body)];

describe('legacyCommands', () => {
  it('reads a method by name in any case or by number, and the params as they were sent', () => {
    assert.deepEqual(
      all(
        '{"id":1,"method":"Presence_Stats","params":{"channel":"a"}}\n{"method":6,"params":{ "x" : 1 }}',
      ),
      [
        { id: 1, method: 'presence_stats', params: '{"channel":"a"}' },
        { id: 0, method: 'history', params: '{ "x" : 1 }' },
      ],
    );
  });

  it('reads values back to back or across white space, and field names in any case', () => {
    assert.deepEqual(all(' {"ID":2,"Method":"info"}{"id":3,"method":"channels","PARAMS":null} '), [
      { id: 2, method: 'info', params: undefined },
      { id: 3, method: 'channels', params: 'null' },
    ]);
  });

  it('takes an absent method or a null command for publish, as Go zero values do', () => {
    assert.deepEqual(all('{"params":{}} null'), [
      { id: 0, method: 'publish', params: '{}' },
      { id: 0, method: 'publish', params: undefined },
    ]);
  });

  it('cuts a method number to 32 bits as Go converts it', () => {
    assert.equal(all('{"method":4294967302}')[0]?.method, 'history', '2^32 + 6');
  });

  it('has no method for PRO and unknown numbers (104)', () => {
    for (const method of ['"connections"', '14', '13', '99', '-1']) {
      assert.deepEqual(all(`{"id":1,"method":${method}}`), [{ id: 1, method: undefined }], method);
    }
  });

  it('refuses what Centrifugo refuses, at that command and not before', () => {
    const bad = [
      '{"method":"nope"}',
      '{"method":"batch"}',
      '{"method":"6"}',
      '{"method":6.0}',
      '{"method":null}',
      '{"method":true}',
      '{"method":9223372036854775808}',
      '{"id":-1}',
      '{"id":1.5}',
      '{"id":"1"}',
      '{"id":4294967296}',
      '[1]',
      '"x"',
      '{"id":1',
      '}',
    ];
    for (const body of bad) assert.throws(() => all(body), RequestDecodeError, body);
    const commands = legacyCommands('{"method":"info"}\n{"id":');
    assert.equal(commands.next().value?.method, 'info', 'the first command comes out first');
    assert.throws(() => commands.next(), RequestDecodeError);
  });

  it('has no command in white space alone', () => {
    assert.deepEqual(all(' \n\t'), []);
  });
});
