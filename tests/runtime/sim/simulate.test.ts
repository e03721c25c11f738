/**
 * Tests of the deterministic simulator (runtime/sim/simulate.ts) on the bundled specs:
 * determinism (one seed, one run, byte for byte), the bundled specs hold their properties
 * under their own fault models (a small version of the 1000-seed swarm of
 * bench/simulate/swarm.ts), lossy, duplicating and partitioned networks keep safety, every
 * Byzantine strategy acts as documented, and `eventually` properties are judged only at the
 * end of a run that ended stable.
 */
import { describe, expect, it } from 'vitest';
import { BenOr } from '../../../generated/ben-or.js';
import { BrachaBroadcast } from '../../../generated/bracha-broadcast.js';
import { EchoBroadcast } from '../../../generated/echo-broadcast.js';
import { Paxos } from '../../../generated/paxos.js';
import { TwoPhaseCommit } from '../../../generated/two-phase-commit.js';
import type { ProtocolModule, Wire } from '../../../runtime/replica/contract.js';
import { encode } from '../../../runtime/replica/values.js';
import { byzantineStrategies, defaultNetwork, type SimConfig } from '../../../runtime/sim/config.js';
import { replaySteps } from '../../../runtime/sim/replay.js';
import { simulate, type SimResult, type TraceStep } from '../../../runtime/sim/simulate.js';
import { TRACE_FORMAT, TRACE_VERSION, writeTrace, type Trace } from '../../../runtime/sim/trace.js';
import type { WorldEvent } from '../../../runtime/world/world.js';
import { configFor, planRun, specFaults, type RunOptions } from './sim-config.js';

interface Bundled {
  readonly name: string;
  readonly module: ProtocolModule<any, any>;
  /**
   * Options for runs that must stay fast. Paxos's proposers retry every 10 time units until
   * the horizon, so a seed costs 2-4 s at the default horizon of 10 000 (see the swarm
   * bench); 1000 is plenty for its (safety-only) properties.
   */
  readonly fast: RunOptions;
  /** Two groups of processes, for partitions. */
  readonly groups: string;
}

const bundled: readonly Bundled[] = [
  { name: 'bracha-broadcast', module: BrachaBroadcast, fast: {}, groups: '0+1|2+3' },
  { name: 'echo-broadcast', module: EchoBroadcast, fast: {}, groups: '0+1|2+3' },
  { name: 'paxos', module: Paxos, fast: { horizon: 1000 }, groups: '0+2+3|1+4+5+6' },
  { name: 'ben-or', module: BenOr, fast: {}, groups: '0+1|2' },
  { name: 'two-phase-commit', module: TwoPhaseCommit, fast: {}, groups: '0+1|2+3' },
];

/** A run as `rio simulate` makes it (a scenario with crashes is its own fault plan). */
const run = (b: Bundled, seed: number, extra: RunOptions = {}, record = true) => simulate(configFor(planRun(b.module, { ...b.fast, ...extra }), seed, record));
/** A run of the spec's first scenario under the spec's own fault model, placed by the seed. */
const runSpecFaults = (b: Bundled, seed: number, record = false) => {
  const plan = planRun(b.module, b.fast);
  return simulate(configFor(plan, seed, record, specFaults(plan, seed)));
};

/** The trace file a run would give (the header as `rio simulate` writes it, minus the spec path). */
function traceOf(config: SimConfig, result: SimResult): Trace {
  return {
    header: {
      format: TRACE_FORMAT, version: TRACE_VERSION, spec: 'specs/x.rio', protocol: config.module.name, sourceHash: config.module.sourceHash,
      params: config.params, seed: config.seed, byzantine: config.faults.byzantine.map((b) => b.process), origin: 'simulate',
      checkLiveness: result.livenessChecked, config: { network: config.network, faults: config.faults, workload: config.workload },
    },
    steps: result.trace,
    footer: result.violation === undefined ? { verdict: 'ok' } : { verdict: 'violation', violation: result.violation },
  };
}

const kinds = (trace: readonly TraceStep[]) => {
  const counts: Partial<Record<WorldEvent['kind'], number>> = {};
  for (const s of trace) counts[s.event.kind] = (counts[s.event.kind] ?? 0) + 1;
  return counts;
};
const safe = (r: SimResult) => r.violation === undefined || r.violation.kind === 'eventually';

describe('determinism', () => {
  it.each(bundled.map((b) => [b.name, b] as const))('%s: the same seed gives the same run and byte-identical trace files', (_, b) => {
    for (const seed of [1, 7, 0x2a]) {
      const config = configFor(planRun(b.module, b.fast), seed);
      const first = simulate(config);
      const second = simulate(configFor(planRun(b.module, b.fast), seed));
      expect(second).toEqual(first);
      expect(writeTrace(traceOf(config, second))).toBe(writeTrace(traceOf(config, first)));
    }
  });

  it('runs do not depend on the runs before them', () => {
    const b = bundled[3]!; // ben-or: random coins
    const a = run(b, 3);
    run(b, 5);
    run(bundled[4]!, 9); // two-phase-commit: choose
    expect(run(b, 3)).toEqual(a);
  });

  it('every source of nondeterminism is seeded: Byzantine messages, loss, duplication, choose', () => {
    const bracha = bundled[0]!;
    const noisy: RunOptions = { faults: 'byzantine=1:arbitrary', network: 'loss=0.2,dup=0.2,gst=200' };
    for (const seed of [1, 2, 3]) {
      const config = configFor(planRun(bracha.module, noisy), seed);
      const a = simulate(config);
      const b = simulate(config);
      expect(writeTrace(traceOf(config, b))).toBe(writeTrace(traceOf(config, a)));
      const k = kinds(a.trace);
      expect((k.inject ?? 0) + (k.lose ?? 0) + (k.duplicate ?? 0)).toBeGreaterThan(0);
    }
    const tpc = bundled[4]!;
    const choices = (seed: number) => run(tpc, seed, { faults: 'none' }).trace.flatMap((s) => s.choices).join(',');
    expect(choices(11)).toBe(choices(11));
  });

  it.each(bundled.map((b) => [b.name, b] as const))('%s: different seeds give different runs', (_, b) => {
    // Without faults, so that no seed makes the run trivially short (a silent Byzantine sender).
    const texts = [1, 2, 3, 4, 5, 6].map((seed) => JSON.stringify(run(b, seed, { faults: 'none', horizon: 300 }).trace));
    expect(new Set(texts).size).toBe(texts.length);
  });
});

describe('the bundled specs hold their properties under their own fault models', () => {
  it.each(bundled.map((b) => [b.name, b] as const))('%s: seeds 1..20', (_, b) => {
    const failures: string[] = [];
    let events = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const result = runSpecFaults(b, seed);
      events += result.steps;
      if (result.violation !== undefined) failures.push(`seed ${seed}: ${result.violation.message}`);
    }
    expect(failures).toEqual([]);
    expect(events).toBeGreaterThan(20);
  });

  it.each(bundled.map((b) => [b.name, b] as const))("%s: the fault model is the spec's own, placed by the seed", (_, b) => {
    const plan = planRun(b.module, b.fast);
    const n = b.module.processCount(plan.params as never);
    const bounds = { crash: b.module.faults.crash(plan.params as never), byzantine: b.module.faults.byzantine(plan.params as never) };
    const placements = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const faults = specFaults(plan, seed);
      expect(faults.byzantine.length).toBe(bounds.byzantine);
      expect(faults.crashes.length).toBe(Math.min(bounds.crash, n - bounds.byzantine));
      const faulty = [...faults.byzantine.map((f) => f.process), ...faults.crashes.map((c) => c.process)];
      expect(new Set(faulty).size).toBe(faulty.length);
      for (const p of faulty) expect(p).toBeLessThan(n);
      for (const c of faults.crashes) expect(c.at).toBeLessThan(plan.horizon / 4);
      placements.add(JSON.stringify(faults));
    }
    if (bounds.crash + bounds.byzantine > 0) expect(placements.size).toBeGreaterThan(1);
  });

  // Every scenario of every spec, as `rio simulate --scenario NAME` runs it: a scenario's own
  // crashes are then the whole fault plan, else the spec's fault model is placed by the seed.
  const scenarios = bundled.flatMap((b) => b.module.scenarios.map((sc) => [`${b.name} --scenario ${sc.name}`, b, sc.name] as const));
  it.each(scenarios)('%s: seeds 1..8', (_, b, scenario) => {
    const plan = planRun(b.module, { ...b.fast, scenario });
    for (let seed = 1; seed <= 8; seed++) {
      const config = configFor(plan, seed, false);
      if (plan.scenarioCrashes.length > 0) expect(config.faults).toMatchObject({ crashes: plan.scenarioCrashes, byzantine: [] });
      const result = simulate(config);
      expect(result.violation, `seed ${seed}: ${result.violation?.message}`).toBeUndefined();
    }
  });
});

describe('unreliable networks keep safety', () => {
  const networks = (b: Bundled): [string, string, (k: ReturnType<typeof kinds>) => boolean][] => [
    ['loss', 'loss=0.25,gst=300', (k) => (k.lose ?? 0) > 0],
    ['duplication', 'dup=0.3,gst=300', (k) => (k.duplicate ?? 0) > 0],
    ['a partition', `partition=${b.groups}@0..150`, (k) => (k.lose ?? 0) > 0],
    ['all at once', `delay=1..30,loss=0.1,dup=0.1,gst=400,partition=${b.groups}@20..120`, (k) => (k.lose ?? 0) > 0 && (k.duplicate ?? 0) > 0],
  ];
  for (const b of bundled) {
    for (const [what, network, exercised] of networks(b)) {
      it(`${b.name}: ${what} (${network}), seeds 1..8`, () => {
        const totals: ReturnType<typeof kinds> = {};
        for (let seed = 1; seed <= 8; seed++) {
          const result = run(b, seed, { network, horizon: Math.min(b.fast.horizon ?? 2000, 2000) });
          expect(safe(result), `seed ${seed}: ${result.violation?.message}`).toBe(true);
          for (const [k, c] of Object.entries(kinds(result.trace))) totals[k as WorldEvent['kind']] = (totals[k as WorldEvent['kind']] ?? 0) + c;
        }
        expect(exercised(totals), JSON.stringify(totals)).toBe(true);
      });
    }
  }

  it('a duplicated message is delivered twice but fires no rule twice', () => {
    const b = bundled[0]!;
    for (let seed = 1; seed <= 10; seed++) {
      const result = run(b, seed, { faults: 'none', network: 'dup=0.5,gst=1000' });
      expect(result.verdict).toBe('ok');
      const deliveries = result.trace.filter((s) => s.event.kind === 'deliver').map((s) => JSON.stringify(s.event));
      const duplicates = result.trace.filter((s) => s.event.kind === 'duplicate').length;
      if (duplicates > 0) expect(deliveries.length).toBe(new Set(deliveries).size + duplicates);
      // Every correct process delivers exactly once.
      const world = replaySteps(b.module, { n: 4, f: 1, sender: 0 }, [], result.trace, { checkLiveness: true }).world;
      for (const p of [0, 1, 2, 3]) expect(world.indicationsOf(p)).toHaveLength(1);
    }
  });
});

describe('Byzantine strategies', () => {
  const bracha = bundled[0]!;
  const messageTypes = new Set(BrachaBroadcast.messages.map((m) => m.name));
  /** Runs with process 1 Byzantine under `strategy`; returns the injected messages, and those it received. */
  function byzantineRun(strategy: string, seed: number) {
    const result = run(bracha, seed, { faults: `byzantine=1:${strategy}` });
    const injected = result.trace.filter((s) => s.event.kind === 'inject').map((s) => s.event as Extract<WorldEvent, { kind: 'inject' }>);
    const received = result.trace.filter((s) => s.event.kind === 'deliver' && s.event.to === 1).map((s) => (s.event as Extract<WorldEvent, { kind: 'deliver' }>).message);
    return { result, injected, received };
  }

  it.each(byzantineStrategies.filter((s) => s !== 'silent'))('%s: injects well-typed messages from the Byzantine process only', (strategy) => {
    let total = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const { result, injected } = byzantineRun(strategy, seed);
      expect(safe(result), result.violation?.message).toBe(true);
      total += injected.length;
      for (const e of injected) {
        expect(e.from).toBe(1);
        expect([0, 1, 2, 3]).toContain(e.to);
        expect(messageTypes.has(e.message.type), e.message.type).toBe(true);
      }
    }
    expect(total).toBeGreaterThan(0);
  });

  it('silent: injects nothing and takes no step of its own', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const { result, injected } = byzantineRun('silent', seed);
      expect(injected).toEqual([]);
      expect(result.trace.some((s) => 'process' in s.event && s.event.process === 1 && s.event.kind !== 'crash')).toBe(false);
    }
  });

  it('replay: only sends messages it has received', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const { result } = byzantineRun('replay', seed);
      const seen = new Set<string>();
      for (const s of result.trace) {
        if (s.event.kind === 'deliver' && s.event.to === 1) seen.add(encode(s.event.message));
        if (s.event.kind === 'inject') expect(seen.has(encode(s.event.message)), JSON.stringify(s.event.message)).toBe(true);
      }
    }
  });

  it('equivocate: sends differing messages of one type to its peers, never to itself', () => {
    let differing = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const { injected } = byzantineRun('equivocate', seed);
      for (const e of injected) expect(e.to).not.toBe(1);
      const peers = new Set(injected.map((e) => e.to));
      expect(peers.size).toBeGreaterThanOrEqual(2);
      const values = new Set(injected.map((e) => encode(e.message as Wire)));
      if (values.size > 1) differing++;
    }
    expect(differing).toBeGreaterThan(0);
  });

  it('the Byzantine domain follows --values', () => {
    for (const values of [1, 3]) {
      const result = run(bracha, 4, { faults: 'byzantine=1:arbitrary', values });
      const fields = result.trace.filter((s) => s.event.kind === 'inject').map((s) => ((s.event as Extract<WorldEvent, { kind: 'inject' }>).message as unknown as { m: number }).m);
      expect(fields.length).toBeGreaterThan(0);
      for (const m of fields) expect(m).toBeLessThan(values);
    }
  });

  it('every strategy of the spec\'s fault model keeps echo broadcast safe (seeds 1..5 each)', () => {
    for (const strategy of byzantineStrategies) {
      for (let seed = 1; seed <= 5; seed++) {
        const result = run(bundled[1]!, seed, { faults: `byzantine=2:${strategy}` });
        expect(safe(result), `${strategy} seed ${seed}: ${result.violation?.message}`).toBe(true);
      }
    }
  });
});

describe('eventually properties are judged only when the run ended stable', () => {
  const params = { n: 4, f: 1, sender: 0 };
  const base: SimConfig = {
    module: BrachaBroadcast, params, seed: 5, network: defaultNetwork, faults: { crashes: [], byzantine: [] },
    workload: [{ at: 0, process: 0, request: { type: 'broadcast', m: 7 } as never }], maxEvents: 100_000, horizon: 10_000, values: 2, record: true,
  };
  const noBroadcast: SimConfig = { ...base, workload: [] }; // validity ('eventually every correct process delivers') cannot hold

  it('a quiescent run is judged: validity holds after a broadcast', () => {
    const r = simulate(base);
    expect(r.ended).toBe('quiescent');
    expect(r.livenessChecked).toBe(true);
    expect(r.verdict).toBe('ok');
  });

  it('a quiescent run is judged: validity fails without a broadcast', () => {
    const r = simulate(noBroadcast);
    expect(r.ended).toBe('quiescent');
    expect(r.livenessChecked).toBe(true);
    expect(r.violation).toMatchObject({ property: 'validity', kind: 'eventually', step: r.steps });
  });

  it('a run cut by --steps is not judged', () => {
    const r = simulate({ ...noBroadcast, maxEvents: 2 });
    expect(r.ended).toBe('maxEvents');
    expect(r.livenessChecked).toBe(false);
    expect(r.verdict).toBe('ok');
  });

  it('a run that ends before the global stabilisation time is not judged', () => {
    const r = simulate({ ...noBroadcast, network: { ...defaultNetwork, loss: 0.1, gst: 20_000 } });
    expect(r.livenessChecked).toBe(false);
    expect(r.verdict).toBe('ok');
  });

  it('a run that ends during a partition is not judged; once the partition heals it is', () => {
    const during = simulate({ ...noBroadcast, network: { ...defaultNetwork, partitions: [{ from: 0, to: 1_000_000, groups: [[0, 1], [2, 3]] }] } });
    expect(during.livenessChecked).toBe(false);
    expect(during.verdict).toBe('ok');
    const healed = simulate({ ...noBroadcast, network: { ...defaultNetwork, partitions: [{ from: 0, to: 0, groups: [[0, 1], [2, 3]] }] } });
    expect(healed.livenessChecked).toBe(true);
    expect(healed.violation?.kind).toBe('eventually');
  });

  it('a run that reaches the horizon is judged (Ben-Or keeps running rounds)', () => {
    const r = run(bundled[3]!, 1);
    expect(r.ended).toBe('horizon');
    expect(r.livenessChecked).toBe(true);
    expect(r.endTime).toBe(10_000);
    expect(r.verdict).toBe('ok');
    const short = run(bundled[3]!, 1, { steps: 50 });
    expect(short.ended).toBe('maxEvents');
    expect(short.livenessChecked).toBe(false);
  });

  it('a safety violation ends the run before any liveness judgement', () => {
    // Two Byzantine processes of four (beyond the spec's bound) can break agreement.
    const twoByzantine = { crashes: [], byzantine: [{ process: 0, strategy: 'equivocate' as const }, { process: 2, strategy: 'replay' as const }] };
    let found: SimResult | undefined;
    for (let seed = 1; seed <= 200 && found === undefined; seed++) {
      const r = simulate({ ...base, seed, faults: twoByzantine });
      if (r.violation?.kind === 'always') found = r;
    }
    expect(found?.violation?.property).toBe('agreement');
    expect(found!.ended).toBe('violation');
    expect(found!.livenessChecked).toBe(false);
    expect(found!.violation!.step).toBe(found!.steps - 1);
  });

  it('replay judges liveness only when asked to', () => {
    const r = simulate(noBroadcast);
    expect(replaySteps(BrachaBroadcast, params, [], r.trace, { checkLiveness: false }).violation).toBeUndefined();
    expect(replaySteps(BrachaBroadcast, params, [], r.trace, { checkLiveness: true }).violation?.property).toBe('validity');
  });
});
