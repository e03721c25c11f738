/**
 * Group commit and what a step that writes nothing may release (runtime/net/host.ts): a Raft
 * follower runs in this test process, node 0's keys play its leader through a bare
 * transport, and the follower's fsyncs are held and let go by the test. An AppendEntries
 * with a new entry is a durable step: its reply waits for its own sync. A heartbeat (no
 * entries, nothing durable changed) that comes while an earlier step's sync is under way
 * waits for that sync, since it may depend on that state, but not for the write of the
 * durable steps that came after it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Raft } from '../../generated/raft.js';
import { readNodeKeys } from '../../runtime/net/config.js';
import { ProcessHost } from '../../runtime/net/host.js';
import { silentLogger } from '../../runtime/net/log.js';
import type { DurableStore } from '../../runtime/net/store.js';
import { Transport } from '../../runtime/net/transport.js';
import { eventually, makeCluster, type TestCluster } from './helpers.js';

// Elections far beyond the test's duration: the follower stays a follower.
const params = { n: 3, f: 1, electionMin: 100_000, electionMax: 100_000, heartbeat: 50, maxTerm: 1_000_000, maxHeartbeats: 1_000_000, window: 2 };
let cluster: TestCluster;
let leader: Transport;
const replies: { beat: number; success: boolean; matchIndex: number }[] = [];

beforeAll(async () => {
  cluster = await makeCluster(3, params);
  leader = new Transport({
    config: cluster.config, self: 0, keys: readNodeKeys(join(cluster.dir, 'node-0')), log: silentLogger, listenHost: '127.0.0.1', minBackoffMs: 20,
    onFrame: (_from, value) => {
      const m = value as { type: string; beat: number; success: boolean; matchIndex: number };
      if (m.type === 'APPEND_REPLY') replies.push({ beat: m.beat, success: m.success, matchIndex: m.matchIndex });
    },
    onBadFrame: () => {},
  });
  await leader.start();
});
afterAll(async () => {
  await leader.stop();
  cluster.remove();
});

const appendEntries = (prevLogIndex: number, entries: [number, number][], beat: number) => ({
  type: 'APPEND_ENTRIES', term: 1, leaderId: 0, prevLogIndex, prevLogTerm: prevLogIndex === 0 ? 0 : 1, entries, leaderCommit: 0, beat,
});
const settle = () => new Promise((r) => setTimeout(r, 300));

describe('group commit', () => {
  it("releases a step that wrote nothing once the earlier writes are on disk, not after the later steps' write", async () => {
    const host = new ProcessHost({
      module: Raft, params, config: cluster.config, self: 1, keys: readNodeKeys(join(cluster.dir, 'node-1')),
      dataPath: join(cluster.dir, 'node-1', 'state.db'), log: silentLogger, tickMs: 20, listenHost: '127.0.0.1',
    });
    await host.start();
    // Every sync from now on waits until the test lets it go.
    const store = (host as unknown as { store: DurableStore }).store;
    const realSync = store.sync.bind(store);
    const held: (() => void)[] = [];
    store.sync = () => realSync().then(() => new Promise<void>((resolve) => held.push(resolve)));

    leader.send(1, appendEntries(0, [[1, 5]], 1)); // a new term and entry: durable
    await eventually('the first write is syncing', () => held.length === 1);
    leader.send(1, appendEntries(1, [], 2)); // a heartbeat: nothing durable changes
    leader.send(1, appendEntries(1, [[1, 6]], 3)); // another entry: durable
    await settle();
    expect(replies).toEqual([]); // all wait for the first sync

    held.shift()!();
    await eventually('the heartbeat is answered', () => replies.length === 2);
    await settle();
    // The first entry's reply and the heartbeat's left; the second entry's waits for its own sync.
    expect(replies).toEqual([{ beat: 1, success: true, matchIndex: 1 }, { beat: 2, success: true, matchIndex: 1 }]);
    expect(held).toHaveLength(1);

    held.shift()!();
    await eventually('the second entry is answered', () => replies.length === 3);
    expect(replies[2]).toEqual({ beat: 3, success: true, matchIndex: 2 });
    store.sync = realSync;
    await host.stop();
  }, 20_000);
});
