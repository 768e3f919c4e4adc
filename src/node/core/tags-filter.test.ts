import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FilterNode, matchesTagsFilter, tagsFilterProblem } from './tags-filter.ts';

const leaf = (cmp: string, key: string, val?: string | string[]): FilterNode =>
  Array.isArray(val) ? { cmp, key, vals: val } : { cmp, key, val };

describe('matchesTagsFilter', () => {
  it('compares one tag per leaf; a missing tag fails eq and passes neq', () => {
    const cases: Array<[FilterNode, Record<string, string>, boolean]> = [
      [leaf('eq', 'env', 'prod'), { env: 'prod' }, true],
      [leaf('eq', 'env', 'prod'), { env: 'staging' }, false],
      [leaf('eq', 'env', 'prod'), {}, false],
      [leaf('neq', 'tier', 'bronze'), { tier: 'silver' }, true],
      [leaf('neq', 'tier', 'bronze'), { tier: 'bronze' }, false],
      [leaf('neq', 'tier', 'bronze'), {}, true],
      [leaf('in', 'region', ['us', 'eu']), { region: 'us' }, true],
      [leaf('in', 'region', ['us', 'eu']), { region: 'asia' }, false],
      [leaf('in', 'region', ['us', 'eu']), {}, false],
      [leaf('nin', 'region', ['us', 'eu']), { region: 'asia' }, true],
      [leaf('nin', 'region', ['us', 'eu']), { region: 'us' }, false],
      [leaf('nin', 'region', ['us', 'eu']), {}, true],
      [leaf('ex', 'debug'), { debug: '1' }, true],
      [leaf('ex', 'debug'), {}, false],
      [leaf('nex', 'debug'), {}, true],
      [leaf('nex', 'debug'), { debug: '' }, false],
      [leaf('sw', 'path', '/api/'), { path: '/api/v1' }, true],
      [leaf('sw', 'path', '/api/'), { path: '/web' }, false],
      [leaf('ew', 'file', '.json'), { file: 'a.json' }, true],
      [leaf('ew', 'file', '.json'), {}, false],
      [leaf('ct', 'msg', 'err'), { msg: 'an error' }, true],
      [leaf('ct', 'msg', 'err'), { msg: 'fine' }, false],
    ];
    for (const [filter, tags, expected] of cases) {
      assert.equal(matchesTagsFilter(filter, tags), expected, JSON.stringify([filter, tags]));
    }
  });

  it('reads a missing tag as "" for in and nin (checked against Centrifugo v6.9.1)', () => {
    assert.equal(matchesTagsFilter(leaf('in', 'n', ['']), {}), true);
    assert.equal(matchesTagsFilter(leaf('in', 'n', ['']), { n: '' }), true);
    assert.equal(matchesTagsFilter(leaf('in', 'n', ['']), { n: 'x' }), false);
    assert.equal(matchesTagsFilter(leaf('nin', 'n', ['']), {}), false);
  });

  it('compares decimals exactly, and only what Centrifugo reads as a decimal', () => {
    // Against Centrifugo v6.9.1: a subscriber with {n gt 4} got exactly the first four.
    const gt4 = leaf('gt', 'n', '4');
    const passed = ['5', '+5', '4.0000000000000000001', '005'];
    const refused = ['1e3', '5.', '.5', ' 5', '4.00000000000000000001', '0x10', '4', '١٢', '5_0'];
    for (const n of passed) assert.equal(matchesTagsFilter(gt4, { n }), true, n);
    for (const n of refused) assert.equal(matchesTagsFilter(gt4, { n }), false, n);
    assert.equal(matchesTagsFilter(gt4, {}), false, 'missing');
    // {n gte -0}: zero has no sign.
    const gteZero = leaf('gte', 'n', '-0');
    for (const n of ['0', '-0', '-0.0', '+0', '0.0000000000000000001']) {
      assert.equal(matchesTagsFilter(gteZero, { n }), true, n);
    }
    assert.equal(matchesTagsFilter(gteZero, { n: '-1' }), false);
    // A filter value that is no decimal (20 digits after the point) matches nothing.
    assert.equal(matchesTagsFilter(leaf('lt', 'n', '4.00000000000000000001'), { n: '1' }), false);
    // Beyond double precision, still exact.
    const big = '123456789012345678901234567890';
    assert.equal(
      matchesTagsFilter(leaf('gt', 'n', big), { n: `${big}.0000000000000000001` }),
      true,
    );
    assert.equal(matchesTagsFilter(leaf('gte', 'n', '42'), { n: '41.99999999' }), false);
    assert.equal(matchesTagsFilter(leaf('lte', 'n', '42'), { n: '42.00' }), true);
    assert.equal(matchesTagsFilter(leaf('lt', 'n', '-1.5'), { n: '-2' }), true);
    assert.equal(matchesTagsFilter(leaf('gt', 'n', '1'), { n: `1${'0'.repeat(200)}` }), false);
  });

  it('combines with and, or, not', () => {
    const nested: FilterNode = {
      op: 'or',
      nodes: [
        { op: 'and', nodes: [leaf('eq', 'env', 'prod'), leaf('in', 'region', ['us', 'eu'])] },
        {
          op: 'and',
          nodes: [leaf('neq', 'tier', 'bronze'), { op: 'not', nodes: [leaf('ex', 'debug')] }],
        },
      ],
    };
    assert.equal(matchesTagsFilter(nested, { env: 'staging', region: 'us' }), true);
    assert.equal(matchesTagsFilter(nested, { env: 'staging', tier: 'bronze' }), false);
    assert.equal(matchesTagsFilter(nested, { env: 'prod', region: 'eu', debug: '1' }), true);
    assert.equal(matchesTagsFilter(nested, { tier: 'gold', debug: '1' }), false);
    const both = { op: 'and', nodes: [leaf('eq', 'env', 'prod'), leaf('ex', 'version')] };
    assert.equal(matchesTagsFilter(both, { env: 'prod', version: '1.0' }), true);
    assert.equal(matchesTagsFilter(both, { env: 'prod' }), false);
  });

  it('fails a malformed branch, as Centrifugo ignores its match error', () => {
    const bad = leaf('bogus', 'k', 'v');
    const yes = leaf('ex', 'k');
    const tags = { k: 'v' };
    assert.equal(matchesTagsFilter(bad, tags), false);
    assert.equal(matchesTagsFilter({ op: 'not', nodes: [bad] }, tags), false);
    assert.equal(matchesTagsFilter({ op: 'not', nodes: [] }, tags), false);
    assert.equal(matchesTagsFilter({ op: 'not', nodes: [yes, yes] }, tags), false);
    assert.equal(matchesTagsFilter({ op: 'or', nodes: [yes, bad] }, tags), true);
    assert.equal(matchesTagsFilter({ op: 'or', nodes: [bad, yes] }, tags), false);
    assert.equal(matchesTagsFilter({ op: 'and', nodes: [leaf('nex', 'k'), bad] }, tags), false);
    assert.equal(matchesTagsFilter({ op: 'xor', nodes: [yes] }, tags), false);
  });

  it('sees only the tags themselves, not object properties', () => {
    assert.equal(matchesTagsFilter(leaf('ex', 'constructor'), {}), false);
    assert.equal(matchesTagsFilter(leaf('nex', 'toString'), {}), true);
    assert.equal(matchesTagsFilter(leaf('ex', 'k'), undefined), false);
    assert.equal(matchesTagsFilter(leaf('ex', ''), { '': 'x' }), true);
  });
});

describe('tagsFilterProblem', () => {
  it("refuses what Centrifugo refuses, in Centrifugo's words", () => {
    const cases: Array<[FilterNode, string]> = [
      [{}, 'leaf node must have cmp set'],
      [{ key: 'foo', val: 'bar' }, 'leaf node must have cmp set'],
      [leaf('eq', 'env', ''), 'eq comparison requires Val'],
      [leaf('gt', 'n', ''), 'gt comparison requires Val'],
      [{ cmp: 'eq', key: 'k', val: 'v', vals: ['w'] }, 'eq comparison must not use Vals'],
      [leaf('in', 'k', []), 'in comparison requires non-empty Vals'],
      [{ cmp: 'nin', key: 'k', val: 'v' }, 'nin comparison requires non-empty Vals'],
      [{ cmp: 'in', key: 'k', val: 'v', vals: ['w'] }, 'in comparison must not use Val'],
      [leaf('ex', 'k', 'v'), 'ex comparison must not use Val or Vals'],
      [leaf('nex', 'k', ['a']), 'nex comparison must not use Val or Vals'],
      [leaf('like', 'k', 'v'), 'unknown comparison operator: like'],
      [leaf('eq', '', 'v'), 'leaf node requires key'],
      [{ op: 'and', nodes: [] }, 'and node must have at least one child'],
      [{ op: 'or' }, 'or node must have at least one child'],
      [{ op: 'not', nodes: [] }, 'not node must have exactly one child'],
      [
        { op: 'not', nodes: [leaf('ex', 'a'), leaf('ex', 'b')] },
        'not node must have exactly one child',
      ],
      [{ op: 'xor', nodes: [leaf('ex', 'a')] }, 'invalid op: xor'],
      [{ op: 'AND', nodes: [leaf('ex', 'a')] }, 'invalid op: AND'],
      // The first problem found, depth first.
      [
        {
          op: 'or',
          nodes: [leaf('eq', 'env', 'prod'), { op: 'and', nodes: [leaf('eq', 'k', '')] }],
        },
        'eq comparison requires Val',
      ],
      [
        { op: 'not', nodes: [{ cmp: 'in', key: 'k', val: 'x', vals: ['y'] }] },
        'in comparison must not use Val',
      ],
    ];
    for (const [filter, problem] of cases) {
      assert.equal(tagsFilterProblem(filter), problem, JSON.stringify(filter));
    }
  });

  it('accepts well-formed filters, ex and nex without a key too', () => {
    const valid: FilterNode[] = [
      leaf('eq', 'k', 'v'),
      leaf('gt', 'amount', 'abc'), // not a decimal: allowed, matches nothing
      leaf('in', 'k', ['']),
      { cmp: 'ex' },
      { cmp: 'nex', key: '' },
      {
        op: 'and',
        nodes: [
          leaf('eq', 'env', 'prod'),
          { op: 'not', nodes: [{ op: 'or', nodes: [leaf('ex', 'd')] }] },
        ],
      },
    ];
    for (const filter of valid)
      assert.equal(tagsFilterProblem(filter), undefined, JSON.stringify(filter));
  });
});
