// The /metrics output passes Prometheus' own linter after real traffic, errors included.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, it } from 'node:test';
import { findTool } from '../tools.ts';
import { request, startTestNode, type TestNode } from './harness.ts';

// Centrifugo's own metric names that Prometheus' linter flags (a counter named *_count).
// Kept byte for byte so dashboards and alerts written for Centrifugo work unchanged.
const CENTRIFUGO_NAMES = [
  'centrifugo_node_messages_sent_count',
  'centrifugo_node_messages_received_count',
  'centrifugo_node_client_connection_limit',
  'centrifugo_broker_redis_pub_sub_dropped_messages',
  'centrifugo_map_broker_redis_pub_sub_dropped_messages',
  'centrifugo_client_num_reply_errors',
  'centrifugo_client_num_server_disconnects',
  'centrifugo_client_recover',
  'centrifugo_client_connections_accepted',
  'centrifugo_transport_messages_sent',
  'centrifugo_transport_messages_sent_size',
  'centrifugo_transport_messages_received',
  'centrifugo_transport_messages_received_size',
];

let node: TestNode;
before(async () => {
  node = await startTestNode({
    prometheus: { enabled: true },
    channel: { namespaces: [{ name: 'hist', history_size: 5, history_ttl: '60s' }] },
  });
});
after(async () => {
  await node?.close();
});

it('promtool check metrics accepts /metrics', async (t) => {
  const promtool = findTool(t, 'promtool', 'source scripts/ensure-prometheus.sh (.ci/run does)');
  if (!promtool) return;
  await node.api('publish', { channel: 'hist:1', data: {} });
  await node.api('publish', { channel: 'nope:1', data: {} });
  await node.api('broadcast', { channels: ['hist:1', ''], data: {} });
  await node.api('history', { channel: 'hist:1' });
  const metrics = await request(`${node.url}/metrics`, { method: 'GET' });
  assert.equal(metrics.status, 200);
  assert.match(metrics.text, /centrifugo_api_command_errors_total\{/);
  const check = spawnSync(promtool, ['check', 'metrics'], {
    input: metrics.text,
    encoding: 'utf8',
  });
  const output = `${check.stdout}${check.stderr}`;
  // Exit 1 means the exposition does not parse; 3 means lint findings only.
  assert.notEqual(check.status, 1, `promtool could not parse /metrics: ${output}`);
  const findings = output.split('\n').filter((line) => line.trim() !== '');
  const unexpected = findings.filter(
    (line) => !CENTRIFUGO_NAMES.some((name) => line.startsWith(`${name} `)),
  );
  assert.deepEqual(unexpected, [], 'only names kept for Centrifugo compatibility may be flagged');
  assert.equal(check.status, findings.length === 0 ? 0 : 3, output);
});
