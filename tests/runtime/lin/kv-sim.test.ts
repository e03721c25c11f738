/**
 * The replicated key-value store (examples/kv) in simulation, on Raft and on Multi-Paxos
 * (the same application code on each): concurrent clients' put/get/delete/compare-and-swap
 * operations under crashes with restarts, message loss, duplication and a partition; the
 * recorded history must be linearizable (runtime/lin), most operations must complete, the
 * stores of the servers up at the end must agree, and falsifying one completed read must
 * make the same history non-linearizable (so the check is not vacuous).
 */
import { describe, expect, it } from 'vitest';
import { encodeCommand, decodeCommand, MAX_ID, type KvOp } from '../../../examples/kv/command.js';
import { runKv, type KvRun } from '../../../examples/kv/simulate.js';
import { kvModel } from '../../../examples/kv/store.js';
import { kvWorkload } from '../../../examples/kv/workload.js';
import { MultiPaxos } from '../../../generated/multi-paxos.js';
import { Raft } from '../../../generated/raft.js';
import { checkLinearizable } from '../../../runtime/lin/check.js';
import type { ProtocolModule } from '../../../runtime/replica/contract.js';
import { parseNetwork } from '../../../runtime/sim/plan.js';

describe('key-value commands', () => {
  it('encode and decode every kind of operation, and refuse out-of-range fields', () => {
    const ops: KvOp[] = [
      { kind: 'put', key: 15, value: 255 },
      { kind: 'get', key: 0 },
      { kind: 'delete', key: 7 },
      { kind: 'cas', key: 3, expected: 0, value: 9 },
    ];
    for (const [i, op] of ops.entries()) {
      for (const id of [1, 2 + i, MAX_ID]) {
        const n = encodeCommand({ id, op });
        expect(Number.isSafeInteger(n) && n > 0).toBe(true);
        expect(decodeCommand(n)).toEqual({ id, op });
      }
    }
    expect(() => encodeCommand({ id: 0, op: ops[1]! })).toThrow(/command id must be a whole number in 1\.\./);
    expect(() => encodeCommand({ id: 1, op: { kind: 'put', key: 16, value: 1 } })).toThrow(/key must be a whole number in 0\.\.15, not 16/);
    expect(() => encodeCommand({ id: 1, op: { kind: 'put', key: 1, value: 0 } })).toThrow(/value must be a whole number in 1\.\.255, not 0/);
    expect(() => decodeCommand(0)).toThrow(/not a key-value command: 0/);
  });
});

const shape = { clients: 3, servers: 3, perClient: 8, keys: 2, spacing: 150, start: 400 };
const network = parseNetwork('loss=0.1,dup=0.05,gst=3000,partition=0|1+2@1200..1800');
const protocols: [string, ProtocolModule<any, any>, Record<string, unknown>, number][] = [
  ['Raft', Raft, { n: 3, f: 1, electionMin: 150, electionMax: 300, heartbeat: 50, maxTerm: 1_000_000, maxHeartbeats: 1_000_000, window: 2 }, 8],
  ['MultiPaxos', MultiPaxos, { n: 3, f: 1, suspectMin: 150, suspectMax: 300, heartbeat: 50, maxRound: 1_000_000, maxHeartbeats: 1_000_000 }, 6],
];

function run(module: ProtocolModule<any, any>, params: Record<string, unknown>, seed: number, localReads = false): KvRun {
  // Server 2 crashes while operations are under way and restarts with its durable state.
  const faults = { crashes: [{ process: 2, at: 900 }], restarts: [{ process: 2, at: 2200 }], byzantine: [] };
  return runKv({ module, params, seed, network, faults, ops: kvWorkload(shape, seed), horizon: 5000, maxEvents: 100_000, localReads });
}

describe.each(protocols)('the key-value store on %s', (_, module, params, firstStaleSeed) => {
  it.each([1, 2, 3])('seed %i: the history is linearizable, and not once a read is falsified', (seed) => {
    const result = run(module, params, seed);
    expect(result.sim.verdict, result.sim.violation?.message).toBe('ok');
    const { history } = result;
    const completed = history.filter((o) => o.ret !== undefined);
    // Operations sent to server 2 while it is down are never invoked; most others complete.
    expect(history.length).toBeGreaterThanOrEqual(18);
    expect(completed.length).toBeGreaterThanOrEqual(history.length - 4);
    const check = checkLinearizable(kvModel, history);
    expect(check.linearizable, `partition ${check.partition}`).toBe(true);

    // The stores of the servers agree at the end (all are up again, and the network is stable).
    const stores = result.replicas.map((r) => JSON.stringify(r.store.entries()));
    expect(new Set(stores).size).toBe(1);

    // A completed get whose result is changed to a value no one wrote breaks linearizability.
    const index = history.findIndex((o) => o.input.kind === 'get' && o.ret !== undefined);
    expect(index).toBeGreaterThanOrEqual(0);
    const falsified = history.map((o, i) => (i === index ? { ...o, output: 200 } : o));
    expect(checkLinearizable(kvModel, falsified).linearizable).toBe(false);
  });

  // The first seed whose local-read history is not linearizable (found by scanning 1..30).
  it(`a store that answers gets from its local copy is caught (first at seed ${firstStaleSeed})`, () => {
    for (let seed = 1; seed < firstStaleSeed; seed++) expect(checkLinearizable(kvModel, run(module, params, seed, true).history).linearizable).toBe(true);
    const check = checkLinearizable(kvModel, run(module, params, firstStaleSeed, true).history);
    expect(check.linearizable).toBe(false);
    // The checker names the key whose sub-history fails.
    expect(['0', '1']).toContain(check.partition);
  });
});
