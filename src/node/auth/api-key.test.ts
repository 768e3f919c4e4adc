import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApiKeyAuth, createApiKeyCheck } from './api-key.ts';

const apiKeyMatches = (given: string | undefined, expected: string) =>
  createApiKeyCheck(expected)(given);

describe('createApiKeyAuth', () => {
  const auth = createApiKeyAuth('secret');
  const check = (headers: Record<string, string | string[]>, query?: string) =>
    auth({ headers }, query);

  it('accepts the key in X-API-Key, Authorization: apikey or ?api_key', () => {
    assert.equal(check({ 'x-api-key': 'secret' }), true);
    assert.equal(check({ authorization: 'apikey secret' }), true);
    assert.equal(check({}, 'api_key=secret'), true);
    assert.equal(check({}, 'a=1&api_key=secret&api_key=other'), true, 'the first api_key');
    assert.equal(check({}), false);
    assert.equal(check({}, ''), false);
    assert.equal(check({}, 'api_key='), false);
  });

  it('reads a non-empty X-API-Key alone in the header step, as Centrifugo does', () => {
    assert.equal(check({ 'x-api-key': 'wrong', authorization: 'apikey secret' }), false);
    assert.equal(check({ 'x-api-key': '', authorization: 'apikey secret' }), true);
  });

  it('gives ?api_key its own chance after a wrong header', () => {
    assert.equal(check({ 'x-api-key': 'wrong' }, 'api_key=secret'), true);
    assert.equal(check({ authorization: 'apikey wrong' }, 'api_key=secret'), true);
    assert.equal(check({ authorization: 'Bearer x' }, 'api_key=s%65cret'), true, 'decoded');
    assert.equal(check({ 'x-api-key': 'wrong' }, 'api_key=wrong'), false);
  });

  it('splits Authorization on runs of white space, scheme in any case', () => {
    for (const value of ['apikey   secret', 'ApiKey\tsecret', '  APIKEY secret  ']) {
      assert.equal(check({ authorization: value }), true, JSON.stringify(value));
    }
    for (const value of ['apikey', 'apikey secret x', 'Bearer secret', 'apikeysecret', 'secret']) {
      assert.equal(check({ authorization: value }), false, value);
    }
  });

  it('takes the first of repeated X-API-Key headers, which node joins', () => {
    const joined = (values: string[]) =>
      auth(
        { headers: { 'x-api-key': values.join(', ') }, headersDistinct: { 'x-api-key': values } },
        undefined,
      );
    assert.equal(joined(['secret', 'wrong']), true);
    assert.equal(joined(['wrong', 'secret']), false);
    assert.equal(check({ 'x-api-key': 'secret, wrong' }), false, 'one header holding a comma');
  });

  it('matches nothing when no key is configured', () => {
    const none = createApiKeyAuth('');
    assert.equal(none({ headers: { 'x-api-key': '' } }, 'api_key='), false);
    assert.equal(none({ headers: {} }, undefined), false);
  });
});

describe('createApiKeyCheck', () => {
  it('matches only the configured key', () => {
    assert.equal(apiKeyMatches('secret', 'secret'), true);
    assert.equal(apiKeyMatches('secreT', 'secret'), false);
    assert.equal(apiKeyMatches('secret-longer', 'secret'), false);
    assert.equal(apiKeyMatches('secre', 'secret'), false);
    assert.equal(apiKeyMatches('secret\u0000', 'secret'), false);
    assert.equal(
      apiKeyMatches('secret', 'secret\u0000'),
      false,
      'a zero-padded prefix is not the key',
    );
    assert.equal(apiKeyMatches('ключ', 'ключ'), true);
    assert.equal(apiKeyMatches('ключ', 'ключи'), false);
    assert.equal(apiKeyMatches(undefined, 'secret'), false);
  });

  it('never matches when no key is configured', () => {
    assert.equal(apiKeyMatches('', ''), false);
    assert.equal(apiKeyMatches('anything', ''), false);
  });
});
