import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeInfo } from '../core/index.ts';
import { excessClients } from './rebalance.ts';

const node = (uid: string, numClients: number, draining = false): NodeInfo => ({
  uid,
  name: uid,
  version: '0',
  numClients,
  numUsers: 0,
  numSubs: 0,
  numChannels: 0,
  uptime: 1,
  draining,
});

describe('excessClients', () => {
  it('a node above the mean by more than the tolerance sheds down to the mean', () => {
    const nodes = [node('a', 50), node('b', 50), node('c', 0)];
    assert.equal(excessClients('a', nodes, 20), 16); // mean 33.3
    assert.equal(excessClients('c', nodes, 20), 0, 'the empty one keeps what it has');
  });

  it('within the tolerance, alone, or while a node drains: nothing', () => {
    assert.equal(excessClients('a', [node('a', 11), node('b', 9)], 20), 0);
    assert.equal(excessClients('a', [node('a', 100)], 20), 0);
    const rolling = [node('a', 50), node('b', 50), node('c', 0, true)];
    assert.equal(excessClients('a', rolling, 20), 0);
    assert.equal(excessClients('x', [node('a', 5), node('b', 0)], 20), 0, 'not listed');
  });
});
