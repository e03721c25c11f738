/**
 * The protocol-following Byzantine strategies of the simulator (runtime/sim/adversary.ts):
 * a Byzantine process runs the spec's own replica code, signing as itself, and corrupts what
 * it sends. Each strategy does what it says on real runs of the BFT specs (conflicting,
 * validly signed proposals and votes to the two halves; twins that diverge; messages that
 * reach one process only; stale and forged certificates, the forged ones rejected by the
 * symbolic signatures), and every BFT spec keeps its safety properties against every one
 * of them on a few seeds (1000 seeds: bench/simulate/bft-strategies.ts).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HotStuff } from '../../../generated/hotstuff.js';
import { MinBFT } from '../../../generated/minbft.js';
import { PBFT } from '../../../generated/pbft.js';
import { Tendermint } from '../../../generated/tendermint.js';
import type { ProtocolModule, Tagged } from '../../../runtime/replica/contract.js';
import { symbolicCrypto } from '../../../runtime/replica/crypto.js';
import { encode, type Data, type Process } from '../../../runtime/replica/values.js';
import { shadowStrategies } from '../../../runtime/sim/adversary.js';
import { PlanError, parseFaults } from '../../../runtime/sim/plan.js';
import { simulate, type SimResult } from '../../../runtime/sim/simulate.js';
import { configFor, planRun } from './sim-config.js';

/** The messages a Byzantine process put on the network: [recipient, message]. */
function injected(result: SimResult, from: Process): [Process, Tagged & Record<string, any>][] {
  return result.trace.flatMap((s) => (s.event.kind === 'inject' && s.event.from === from ? [[s.event.to, s.event.message as Tagged & Record<string, any>]] : []));
}

function run(module: ProtocolModule<any, any>, faults: string, seed: number, network = 'loss=0.2,gst=400'): SimResult {
  return simulate(configFor(planRun(module, { faults, network }), seed));
}

const pbftParams = { n: 4, f: 1, clients: 1, maxSeq: 4, checkpointEvery: 2, window: 4, maxView: 6, resend: 60 };

describe('selecting a strategy', () => {
  it('takes an optional list of message types, checked against the spec', () => {
    const plan = parseFaults(PBFT, pbftParams, 'byzantine=0:conflict(PRE_PREPARE+PREPARE)', 1, 1000, false);
    expect(plan.byzantine).toEqual([{ process: 0, strategy: 'conflict', types: ['PRE_PREPARE', 'PREPARE'] }]);
    expect(parseFaults(PBFT, pbftParams, 'byzantine=1:withhold(PRE_PREPARE,COMMIT)', 1, 1000, false).byzantine[0]!.types).toEqual(['PRE_PREPARE', 'COMMIT']);
    expect(parseFaults(PBFT, pbftParams, 'byzantine=2:twins', 1, 1000, false).byzantine).toEqual([{ process: 2, strategy: 'twins' }]);
    expect(() => parseFaults(PBFT, pbftParams, 'byzantine=0:conflict(PROPOSE)', 1, 1000, false)).toThrow(
      new PlanError("--faults: 'PROPOSE' is not a message of PBFT (its messages: REQUEST, PRE_PREPARE, PREPARE, COMMIT, REPLY, CHECKPOINT, VIEW_CHANGE, NEW_VIEW, STATE)"),
    );
    expect(() => parseFaults(PBFT, pbftParams, 'byzantine=0:silent(PREPARE)', 1, 1000, false)).toThrow(
      new PlanError("--faults: strategy 'silent' takes no message types (only conflict, twins, withhold, stale, forge do)"),
    );
    expect(() => parseFaults(PBFT, pbftParams, 'byzantine=0:lie', 1, 1000, false)).toThrow(
      new PlanError("--faults: unknown Byzantine strategy 'lie' (known: silent, equivocate, replay, arbitrary, conflict, twins, withhold, stale, forge)"),
    );
  });

  it('a seed gives the same run byte for byte', () => {
    const a = run(HotStuff, 'byzantine=1:twins', 3);
    const b = run(HotStuff, 'byzantine=1:twins', 3);
    expect(encode(a.trace as unknown as Data)).toBe(encode(b.trace as unknown as Data));
    expect(a.steps).toBeGreaterThan(100);
  });
});

describe('symbolic signatures', () => {
  it('verify only what `sign` made: a signature written in another process\'s name is rejected', () => {
    const payload = [1, 0, 1, 5] as Data;
    const genuine = symbolicCrypto.sign(0, payload) as Record<string, Data>;
    expect(symbolicCrypto.verify(genuine, 0, payload)).toBe(true);
    expect(symbolicCrypto.verify(genuine, 1, payload)).toBe(false);
    expect(symbolicCrypto.verify(genuine, 0, [1, 0, 1, 6])).toBe(false);
    // Process 0 puts process 1's name on its own signature, or writes one without a seal.
    expect(symbolicCrypto.verify({ ...genuine, signer: 1 }, 1, payload)).toBe(false);
    expect(symbolicCrypto.verify({ signer: 1, of: genuine['of']! }, 1, payload)).toBe(false);
    expect(symbolicCrypto.verify(symbolicCrypto.sign(1, payload), 1, payload)).toBe(true);
  });
});

describe('conflict: an equivocating leader and conflicting votes, validly signed', () => {
  it('a PBFT primary sends pre-prepares for one sequence number with different operations to the two halves; agreement holds', () => {
    const result = run(PBFT, 'byzantine=0:conflict(PRE_PREPARE)', 1);
    expect(result.violation, result.violation?.message).toBeUndefined();
    const pps = injected(result, 0).filter(([, m]) => m.type === 'PRE_PREPARE' && m['v'] === 0 && m['s'] === 1);
    // The true operation to one half, a made-up one to the other (the primary has not heard
    // of the second request yet, so it says 1).
    const ops = new Set(pps.map(([, m]) => m['op']));
    expect([...ops].sort()).toEqual([1, 6]);
    // Both versions carry the primary's valid signature over what they say.
    for (const [, m] of pps) expect(symbolicCrypto.verify(m['sig'], 0, [0, m['v'], m['s'], m['op']])).toBe(true);
    // Each correct replica gets one version only.
    for (const q of [1, 2, 3]) expect(new Set(pps.filter(([to]) => to === q).map(([, m]) => m['op'])).size).toBe(1);
    expect(result.adversaries).toEqual([{ process: 0, strategy: 'conflict', corrupted: expect.any(Number), forged: 0 }]);
    expect(result.adversaries[0]!.corrupted).toBeGreaterThan(0);
  });

  it('a PBFT backup sends signed prepares for different operations at one sequence number; agreement holds', () => {
    const result = run(PBFT, 'byzantine=2:conflict(PREPARE+COMMIT)', 1);
    expect(result.violation, result.violation?.message).toBeUndefined();
    const prepares = injected(result, 2).filter(([, m]) => m.type === 'PREPARE' && m['v'] === 0 && m['s'] === 1);
    expect(new Set(prepares.map(([, m]) => m['op'])).size).toBe(2);
    for (const [, m] of prepares) expect(symbolicCrypto.verify(m['sig'], 2, [1, m['v'], m['s'], m['op']])).toBe(true);
  });

  it('a HotStuff leader proposes two nodes of one height, with different commands', () => {
    const result = run(HotStuff, 'byzantine=1:conflict(PROPOSE)', 1);
    expect(result.violation, result.violation?.message).toBeUndefined();
    const proposals = injected(result, 1).filter(([, m]) => m.type === 'PROPOSE' && m['b'][0] === 2);
    expect(new Set(proposals.map(([, m]) => encode(m['b']))).size).toBe(2);
    expect(new Set(proposals.map(([, m]) => m['b'][2])).size).toBe(2);
  });
});

describe('twins: two copies of a replica with one key', () => {
  it('in HotStuff the twins propose different nodes for one height (the second twin was asked another command); agreement holds', () => {
    const result = run(HotStuff, 'byzantine=1:twins', 1);
    expect(result.violation?.kind).not.toBe('always');
    const proposals = injected(result, 1).filter(([, m]) => m.type === 'PROPOSE' && m['b'][0] === 2);
    const blocks = new Set(proposals.map(([, m]) => encode(m['b'])));
    expect(blocks.size).toBe(2);
    // Each correct replica hears one twin only.
    for (const q of [0, 2, 3]) expect(new Set(proposals.filter(([to]) => to === q).map(([, m]) => encode(m['b']))).size).toBeLessThanOrEqual(1);
  });
});

describe('withhold: a leader that hides its proposals', () => {
  it('a HotStuff leader sends each proposal to one replica only; agreement holds and the pacemaker moves on', () => {
    const result = run(HotStuff, 'byzantine=1:withhold(PROPOSE)', 2);
    expect(result.violation, result.violation?.message).toBeUndefined();
    const proposals = injected(result, 1).filter(([, m]) => m.type === 'PROPOSE');
    expect(proposals.length).toBeGreaterThan(0);
    expect(new Set(proposals.map(([to]) => to)).size).toBe(1);
    // Its votes still go out as the protocol says.
    expect(injected(result, 1).some(([, m]) => m.type === 'VOTE')).toBe(true);
  });
});

describe('stale and forged certificates', () => {
  it('stale: a HotStuff replica replays old QCs in its NEW-VIEW messages; agreement holds', () => {
    const result = run(HotStuff, 'byzantine=2:stale', 1);
    expect(result.violation?.kind).not.toBe('always');
    expect(result.adversaries[0]!.corrupted).toBeGreaterThan(0);
    // Every QC it sends is genuine: votes validly signed by others (stale ones are old, not forged).
    // A QC is a certificate, { value: (node, height), votes }.
    const qcs = injected(result, 2).filter(([, m]) => m.type === 'NEW_VIEW').map(([, m]) => m['qc'] as { value: Data; votes: [number, Data][] });
    expect(qcs.length).toBeGreaterThan(0);
    for (const qc of qcs) {
      for (const [voter, sig] of qc.votes) expect(symbolicCrypto.verify(sig, voter, qc.value)).toBe(true);
    }
  });

  it('forge: certificates whose votes are forged in other processes\' names are rejected, and safety holds', () => {
    for (const [module, faults] of [[HotStuff, 'byzantine=2:forge'], [PBFT, 'byzantine=3:forge']] as const) {
      const result = run(module, faults, 1);
      expect(result.violation?.kind, result.violation?.message).not.toBe('always');
      expect(result.adversaries[0]!.forged).toBeGreaterThan(0);
      const from = Number(faults.split('=')[1]!.split(':')[0]);
      // Find the forged signatures: signed in another's name, not verifying as that signer.
      const forged: Record<string, Data>[] = [];
      const walk = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (typeof v === 'object' && v !== null) {
          const o = v as Record<string, Data>;
          if (typeof o['of'] === 'string' && typeof o['signer'] === 'number') {
            if (!symbolicCrypto.verify(o, o['signer'], JSON.parse(o['of']) as Data)) forged.push(o);
          } else Object.values(o).forEach(walk);
        }
      };
      for (const [, m] of injected(result, from)) walk(m);
      expect(forged.length).toBeGreaterThan(0);
      expect(forged.every((s) => s['signer'] !== from)).toBe(true);
    }
  });
});

describe('every BFT spec keeps its safety properties against every protocol-following strategy', () => {
  // MinBFT without twins: two copies would have two trusted USIGs, outside its fault model.
  const cases = [
    ['pbft', PBFT, 4], ['hotstuff', HotStuff, 4], ['tendermint', Tendermint, 4], ['minbft', MinBFT, 3],
  ] as const;
  it.each(cases.flatMap(([name, module, n]) => shadowStrategies.filter((s) => !(name === 'minbft' && s === 'twins')).map((s) => [name, s, module, n] as const)))(
    '%s against %s (seeds 1..3, 20 percent loss before t=400)',
    (_name, strategy, module, n) => {
      for (let seed = 1; seed <= 3; seed++) {
        const result = simulate(configFor(planRun(module, { faults: `byzantine=${seed % n}:${strategy}`, network: 'loss=0.2,gst=400' }), seed, false));
        expect(result.violation?.kind, `seed ${seed}: ${result.violation?.message}`).not.toBe('always');
        expect(result.violation?.kind).not.toBe('assertion');
      }
    },
  );
});

describe('rio simulate', () => {
  const cli = join(import.meta.dirname, '..', '..', '..', 'dist', 'compiler', 'cli', 'main.js');
  const rio = (args: readonly string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: join(import.meta.dirname, '..', '..', '..'), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

  it('selects a strategy for some message types, and reports what the adversary did and the invalid messages it sent', () => {
    const run = rio(['simulate', 'specs/hotstuff.rio', '--faults', 'byzantine=3:forge', '--seed', '2', '--network', 'loss=0.2,gst=400', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout) as { verdict: string; invalidMessages: Record<string, number>; adversary: { corrupted: number; forged: number } };
    expect(json.verdict).toBe('ok');
    expect(Object.keys(json.invalidMessages)).toEqual(['p3']);
    expect(json.adversary.forged).toBeGreaterThan(0);
    const text = rio(['simulate', 'specs/pbft.rio', '--faults', 'byzantine=0:conflict(PRE_PREPARE)', '--seed', '1']);
    expect(text.stdout).toContain('faults: p0 Byzantine (conflict(PRE_PREPARE))');
    expect(text.stdout).toMatch(/^Byzantine messages corrupted: [1-9]\d*, signatures forged: 0$/m);
  });

  it('a message type the spec does not have is a usage error', () => {
    const run = rio(['simulate', 'specs/hotstuff.rio', '--faults', 'byzantine=1:withhold(PRE_PREPARE)']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("'PRE_PREPARE' is not a message of HotStuff (its messages: PROPOSE, VOTE, NEW_VIEW, FETCH, BLOCK)");
  });
});
