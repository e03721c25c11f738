/**
 * The durable store and the rule that effects wait for it: a Paxos acceptor runs in this
 * test process, and node 0's keys play the proposer through a bare transport. A PREPARE
 * gets its PROMISE only once `promised` is in the database; when the database can no longer
 * be written, the acceptor stops (fail-stop) and the PROMISE never leaves. A database is
 * refused by another process or another parameter set.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Paxos } from '../../generated/paxos.js';
import { TwoPhaseCommit } from '../../generated/two-phase-commit.js';
import { readNodeKeys } from '../../runtime/net/config.js';
import { ProcessHost } from '../../runtime/net/host.js';
import { silentLogger, type Logger } from '../../runtime/net/log.js';
import { DurableStore, readDurable } from '../../runtime/net/store.js';
import { Rng } from '../../runtime/replica/rng.js';
import { Transport } from '../../runtime/net/transport.js';
import { eventually, makeCluster, type TestCluster } from './helpers.js';

const params = { proposers: 1, acceptors: 3, learners: 1, f: 1 };
let cluster: TestCluster;
let proposer: Transport;
const promises: unknown[] = [];

beforeAll(async () => {
  cluster = await makeCluster(5, params);
  proposer = new Transport({
    config: cluster.config, self: 0, keys: readNodeKeys(join(cluster.dir, 'node-0')), log: silentLogger, listenHost: '127.0.0.1', minBackoffMs: 20,
    onFrame: (from, value) => promises.push({ from, value }), onBadFrame: () => {},
  });
  await proposer.start();
});
afterAll(async () => {
  await proposer.stop();
  cluster.remove();
});

function acceptor(id: number, options: { log?: Logger; onFatal?: (e: Error) => void; params?: Record<string, number> } = {}): ProcessHost {
  return new ProcessHost({
    module: Paxos, params: options.params ?? params, config: cluster.config, self: id, keys: readNodeKeys(join(cluster.dir, `node-${id}`)),
    dataPath: join(cluster.dir, `node-${id}`, 'state.db'), log: options.log ?? silentLogger, tickMs: 20, listenHost: '127.0.0.1',
    ...(options.onFatal === undefined ? {} : { onFatal: options.onFatal }),
  });
}

describe('durable state', () => {
  it('stores changed variables per step and reads them back', () => {
    const path = join(cluster.dir, 'unit.db');
    const store = new DurableStore(path);
    store.save({ promised: 3, acceptedValue: null }, { started: '1' });
    store.save({ promised: 4 });
    store.save({}); // nothing changed: no transaction
    expect(store.commits).toBe(2);
    expect(store.load()).toEqual({ promised: 4, acceptedValue: null });
    store.close();
    expect(readDurable(path)).toEqual({ vars: { promised: 4, acceptedValue: null }, meta: { started: '1' } });
  });

  it('writes a growing variable as splices, and reads back exactly what was saved', () => {
    const path = join(cluster.dir, 'splices.db');
    const rng = new Rng(11);
    let store = new DurableStore(path);
    let log: readonly (readonly [number, number])[] = [];
    let set: readonly number[] = [];
    let finalBytes = 0;
    for (let step = 1; step <= 600; step++) {
      const pick = rng.below(100);
      // Mostly appends, as a log grows; now and then a truncation, an insertion in the middle
      // (a set), an element replaced, or a value that is no array at all.
      if (pick < 80) log = [...log, [step, rng.below(1000)] as const];
      else if (pick < 84) log = log.slice(0, rng.below(log.length + 1));
      else if (pick < 88 && log.length > 0) log = log.map((e, i) => (i === rng.below(log.length) ? ([e[0], -1] as const) : e));
      const x = rng.below(100_000);
      if (!set.includes(x)) set = [...set.filter((y) => y < x), x, ...set.filter((y) => y > x)];
      const other = pick >= 97 ? { note: `step ${step}` } : step;
      store.save({ log, set, other });
      if (step % 200 === 0) {
        // Reopened from disk, every value is the one last saved.
        store.close();
        expect(readDurable(path).vars).toEqual({ log, set, other });
        store = new DurableStore(path);
        expect(store.load()).toEqual({ log, set, other });
      }
      finalBytes = JSON.stringify(log).length + JSON.stringify(set).length;
    }
    // Rewriting the whole log and set at every step would write about 300 times their final size.
    expect(store.bytesWritten).toBeLessThan(12 * finalBytes);
    store.close();
  });

  it('releases a PROMISE only after its promise is on disk, and nothing once the disk fails', async () => {
    const fatal: Error[] = [];
    const logged: string[] = [];
    const host = acceptor(2, { onFatal: (e) => fatal.push(e), log: { log: (_l, event) => logged.push(event) } });
    await host.start();
    proposer.send(2, { type: 'PREPARE', b: 3 });
    await eventually('the PROMISE arrives', () => promises.length === 1);
    expect(promises[0]).toEqual({ from: 2, value: { type: 'PROMISE', b: 3, ab: null, av: null } });
    expect(readDurable(join(cluster.dir, 'node-2', 'state.db')).vars).toEqual({ promised: 3 });

    // The disk goes away (here: the database handle is closed under the host).
    (host as unknown as { store: DurableStore }).store.close();
    proposer.send(2, { type: 'PREPARE', b: 4 });
    await eventually('the acceptor gives up', () => fatal.length === 1);
    expect(fatal[0]!.message).toMatch(/database connection is not open/);
    expect(logged).toContain('durable-write-failed');
    proposer.send(2, { type: 'PREPARE', b: 5 });
    await new Promise((r) => setTimeout(r, 300));
    expect(promises).toHaveLength(1); // neither PROMISE(4) nor PROMISE(5) left the process
    await host.stop().catch(() => undefined);
  });

  it('refuses a database that belongs to another process or parameter set', async () => {
    const first = acceptor(3);
    await first.start();
    await first.stop();
    expect(() => acceptor(3, { params: { ...params, learners: 2 } })).toThrow(/the state database '.*node-3\/state\.db' belongs to another process, protocol, spec version or parameter set/);
    const again = acceptor(3);
    expect(again.recovered).toBe(true);
    await again.stop();
  });

  it('runs the start rules again after a restart, as the language defines restarts', async () => {
    // A 2PC participant arms VoteReqTimeout in `upon start`. It crashes before the timer fires
    // (no vote, no decision yet); only if `start` runs again after the restart does it time
    // out and decide abort.
    const tpc = await makeCluster(2, { participants: 1 });
    const participant = () =>
      new ProcessHost({
        module: TwoPhaseCommit, params: { participants: 1 }, config: tpc.config, self: 1, keys: readNodeKeys(join(tpc.dir, 'node-1')),
        dataPath: join(tpc.dir, 'node-1', 'state.db'), log: silentLogger, tickMs: 20, listenHost: '127.0.0.1',
      });
    try {
      const first = participant();
      await first.start();
      await first.stop(); // well before 2 * delta = 20 ticks = 400 ms
      expect(first.indications).toEqual([]);
      const second = participant();
      expect(second.recovered).toBe(true);
      await second.start();
      await eventually('the restarted participant times out and aborts', () => second.indications.length === 1, 5_000);
      expect(second.indications[0]!.indication).toEqual({ type: 'decide', d: 'abort' });
      await second.stop();
      expect(readDurable(join(tpc.dir, 'node-1', 'state.db'))).toMatchObject({ vars: { decision: 'abort' }, meta: { starts: '2' } });
    } finally {
      tpc.remove();
    }
  });
});
