/**
 * Mutation tests of the simulator: each file under tests/mutants/<spec>/ is a bundled spec
 * with one small hand-made change that breaks a safety (`always`) property; its header
 * comment says what was changed and why it breaks which property. For each mutant the
 * simulator, run in process with the configuration `rio simulate` would build, must find a
 * violation of that property (by name), shrink it to at most 40 steps that still violate
 * it, and the shrunk steps must violate it again when replayed. As a control, the
 * unmodified spec holds its safety properties under the same options and seed.
 *
 * `firstSeed` is the first seed of 1..1000 at which `rio simulate <mutant> <options>
 * --seeds 1..1000` reports the expected property (found with the CLI and the in-process
 * runner of this file); the test starts there to stay fast and scans on up to seed 300 if
 * the simulator's choices have changed since. Options that differ from the CLI defaults are
 * explained where they are given.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BenOr } from '../../../generated/ben-or.js';
import { BrachaBroadcast } from '../../../generated/bracha-broadcast.js';
import { EchoBroadcast } from '../../../generated/echo-broadcast.js';
import { Paxos } from '../../../generated/paxos.js';
import { TwoPhaseCommit } from '../../../generated/two-phase-commit.js';
import type { ProtocolModule } from '../../../runtime/replica/contract.js';
import { replaySteps } from '../../../runtime/sim/replay.js';
import { shrink } from '../../../runtime/sim/shrink.js';
import { simulate, type SimResult, type TraceStep } from '../../../runtime/sim/simulate.js';
import { loadSnippet } from '../../helpers/compile-snippet.js';
import { configFor, describeOptions, planRun, type RunOptions } from './sim-config.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const mutantsDir = join(repo, 'tests', 'mutants');
/** Never scan past this seed. */
const MAX_SEED = 300;
/** The longest shrunk counterexample accepted. */
const MAX_SHRUNK = 40;

const originals: Record<string, ProtocolModule<any, any>> = {
  'bracha-broadcast': BrachaBroadcast,
  'echo-broadcast': EchoBroadcast,
  paxos: Paxos,
  'ben-or': BenOr,
  'two-phase-commit': TwoPhaseCommit,
};

interface MutantCase {
  readonly spec: keyof typeof originals & string;
  readonly name: string;
  /** The safety property the mutant breaks. */
  readonly property: string;
  /** The first seed (of 1..1000, with these options) whose run violates `property`. */
  readonly firstSeed: number;
  readonly options?: RunOptions;
}

/**
 * Paxos: the spec's scenario 'duel' crashes the first acceptor at t=4, and a scenario's own
 * crashes are the whole fault plan of `rio simulate`; with two acceptors left every
 * majority is both of them, and three of these mutants are not found in 300 seeds. So the
 * Paxos mutants run the duel's workload as --request words (no scenario), under the spec's
 * fault model placed by the seed (one crash, anywhere). Every non-violating run goes on to
 * the horizon (the proposers retry every 10 time units), which costs 2 to 4 s per seed at
 * the default horizon of 10 000; 500 is plenty, and also makes the seeded crash (at a time
 * below horizon / 4) happen while the ballots compete. Message loss before t=500 lets a
 * learner miss the first chosen value: without it, both learners hear the first majority
 * within 10 time units, before a second value could be chosen, and the value-choice and
 * learner mutants are not found in 1000 seeds.
 */
const paxosDuel: RunOptions = {
  params: ['proposers=2', 'acceptors=3', 'learners=2', 'f=1'],
  requests: ['propose(1) at 0 on 0', 'propose(2) at 0 on 1'],
  horizon: 500,
};
const paxosLossy: RunOptions = { ...paxosDuel, network: 'loss=0.2,gst=500' };

const mutants: readonly MutantCase[] = [
  { spec: 'bracha-broadcast', name: 'ready-quorum-lowered', property: 'agreement', firstSeed: 2 },
  { spec: 'bracha-broadcast', name: 'deliver-from-any', property: 'agreement', firstSeed: 2 },
  // Seeds 4, 5, ... before 26 violate only 'validity' (eventually): 2 Byzantine of 4 also break liveness.
  { spec: 'bracha-broadcast', name: 'byzantine-beyond-bound', property: 'agreement', firstSeed: 26 },

  { spec: 'echo-broadcast', name: 'echo-quorum-lowered', property: 'consistency', firstSeed: 10 },
  // Seeds 19, 40, ... violate 'validity' (eventually) first: a Byzantine SEND can also starve delivery.
  { spec: 'echo-broadcast', name: 'sender-check-dropped', property: 'integrity', firstSeed: 161 },
  { spec: 'echo-broadcast', name: 'sent-echo-not-set', property: 'consistency', firstSeed: 30 },
  { spec: 'echo-broadcast', name: 'byzantine-beyond-bound', property: 'consistency', firstSeed: 19 },

  { spec: 'paxos', name: 'learner-quorum-lowered', property: 'agreement', firstSeed: 65, options: paxosLossy },
  { spec: 'paxos', name: 'accepted-ballot-not-recorded', property: 'agreement', firstSeed: 67, options: paxosLossy },
  { spec: 'paxos', name: 'reported-value-ignored', property: 'agreement', firstSeed: 67, options: paxosLossy },
  { spec: 'paxos', name: 'promise-check-dropped', property: 'agreement', firstSeed: 4, options: paxosDuel },

  { spec: 'ben-or', name: 'decide-threshold-lowered', property: 'agreement', firstSeed: 15 },
  { spec: 'ben-or', name: 'majority-threshold-lowered', property: 'agreement', firstSeed: 21 },
  { spec: 'ben-or', name: 'input-not-recorded', property: 'validity', firstSeed: 1 },
  { spec: 'ben-or', name: 'byzantine-fault-model', property: 'agreement', firstSeed: 103 },

  { spec: 'two-phase-commit', name: 'own-vote-ignored', property: 'validity', firstSeed: 41 },
  // The coordinator decides Commit while a No voter has aborted: coordinatorAgreement fails
  // at that very step (validity too, but it is declared later).
  { spec: 'two-phase-commit', name: 'vote-quorum-lowered', property: 'coordinatorAgreement', firstSeed: 2 },
  // Seed 38 violates 'agreement' first (a participant commits through the termination protocol).
  { spec: 'two-phase-commit', name: 'timeout-abort-not-recorded', property: 'coordinatorAgreement', firstSeed: 77 },
  { spec: 'two-phase-commit', name: 'uncertain-participant-aborts', property: 'agreement', firstSeed: 221 },
];

const mutantPath = (m: { spec: string; name: string }) => join(mutantsDir, m.spec, `${m.name}.rio`);
const byzantineOf = (config: { faults: { byzantine: readonly { process: number }[] } }) => config.faults.byzantine.map((b) => b.process);

/** The first seed from `from` on (up to MAX_SEED) whose run violates some property. */
function firstViolation(module: ProtocolModule<any, any>, options: RunOptions, from: number): { seed: number; result: SimResult; byzantine: number[] } | undefined {
  const plan = planRun(module, options);
  for (let seed = from; seed <= MAX_SEED; seed++) {
    const config = configFor(plan, seed);
    const result = simulate(config);
    if (result.verdict === 'violation') return { seed, result, byzantine: byzantineOf(config) };
  }
  return undefined;
}

/** Lines of `a` and `b` outside their longest common subsequence: the size of a line diff. */
function changedLines(a: readonly string[], b: readonly string[]): number {
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  return a.length + b.length - 2 * lcs[0]![0]!;
}

/** The mutant's text without its header comment (the lines before the dashed rule). */
function body(text: string): string[] {
  const lines = text.split('\n');
  const rule = lines.findIndex((l) => /^\/\/ -{20,}$/.test(l));
  return lines.slice(rule + 1);
}

describe('the mutant files', () => {
  it.each(Object.keys(originals))('%s has at least three mutants, all in the table', (spec) => {
    const files = readdirSync(join(mutantsDir, spec)).filter((f) => f.endsWith('.rio')).map((f) => f.replace(/\.rio$/, ''));
    const tested = mutants.filter((m) => m.spec === spec).map((m) => m.name);
    expect(tested.length).toBeGreaterThanOrEqual(3);
    // adopt-not-recorded is the one mutant kept out of the table (see 'shrinker quality' below).
    expect(files.filter((f) => f !== 'adopt-not-recorded').sort()).toEqual([...tested].sort());
  });

  it.each(mutants.map((m) => [`${m.spec}/${m.name}`, m] as const))('%s: header names the change and the property, and the change is small', (_, m) => {
    const text = readFileSync(mutantPath(m), 'utf8');
    const header = text.split('\n').filter((l) => l.startsWith('//')).join('\n');
    expect(text.startsWith(`// MUTANT of specs/${m.spec}.rio: `)).toBe(true);
    expect(header).toContain('Change:');
    expect(header).toContain(`Breaks: ${m.property} (always)`);
    const original = readFileSync(join(repo, 'specs', `${m.spec}.rio`), 'utf8').split('\n');
    const changed = changedLines(original, body(text));
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThanOrEqual(12); // one small change (a scenario added for a resilience mutant counts its lines)
  });
});

describe('each mutant is caught, shrunk and replayed', () => {
  for (const m of mutants) {
    const options = m.options ?? {};
    it(`${m.spec}/${m.name}: violates '${m.property}' (from seed ${m.firstSeed}${m.options ? `, ${describeOptions(options)}` : ''})`, async () => {
      const module = await loadSnippet(readFileSync(mutantPath(m), 'utf8'));
      const found = firstViolation(module, options, m.firstSeed);
      expect(found, `no violation in seeds ${m.firstSeed}..${MAX_SEED}`).toBeDefined();
      const { seed, result, byzantine } = found!;
      const violation = result.violation!;
      expect(violation.property, `seed ${seed}: ${violation.message}`).toBe(m.property);
      expect(violation.kind).toBe('always');
      if (seed !== m.firstSeed) console.warn(`${m.spec}/${m.name}: the first violating seed is now ${seed}, not ${m.firstSeed}; update the table`);

      const plan = planRun(module, options);
      const prefix: readonly TraceStep[] = result.trace.slice(0, violation.step + 1);
      // The run itself replays to the same violation at the same step.
      const replayed = replaySteps(module, plan.params, byzantine, prefix, { checkLiveness: false });
      expect(replayed.violation?.property).toBe(m.property);
      expect(replayed.violation?.step).toBe(violation.step);

      const shrunk = shrink(module, plan.params, byzantine, prefix, violation);
      expect(shrunk.violation.property).toBe(m.property);
      expect(shrunk.steps.length, `shrunk to ${shrunk.steps.length} steps (${shrunk.attempts} replays)`).toBeLessThanOrEqual(MAX_SHRUNK);
      const again = replaySteps(module, plan.params, byzantine, shrunk.steps, { checkLiveness: false });
      expect(again.violation?.property).toBe(m.property);
      expect(again.applied.length).toBe(shrunk.steps.length);

      // Control: the unmodified spec holds its safety properties with the same options and seed.
      const control = simulate(configFor(planRun(originals[m.spec]!, options), seed, false));
      expect(control.violation === undefined || control.violation.kind === 'eventually', control.violation?.message).toBe(true);
    });
  }
});

/**
 * A finding, not a mutant the table can hold: Ben-Or with step 3's `x := v` removed breaks
 * agreement only over several rounds. Delta debugging alone (1-minimal for removing single
 * steps, with each step's coin flips glued to it) left 117 steps of the first violating
 * seed, although a 29-step counterexample exists: the one written out below. Removing a
 * step changes what later messages carry (a round's value), so their recorded deliveries
 * became impossible; the shrinker now delivers the corresponding message instead (same
 * type, sender and receiver) and removes related steps together (a process's, a round's),
 * which leaves 33 steps (seed 4: 59, from 361).
 */
describe('shrinker quality (finding)', () => {
  let module: ProtocolModule<any, any>;
  beforeAll(async () => {
    module = await loadSnippet(readFileSync(join(mutantsDir, 'ben-or', 'adopt-not-recorded.rio'), 'utf8'));
  });

  it('ben-or/adopt-not-recorded has a 29-step counterexample (three rounds)', () => {
    const steps: TraceStep[] = [];
    const request = (p: number, v: number) => steps.push({ t: 0, event: { kind: 'request', process: p, request: { type: 'propose', v } as never }, choices: [] });
    const report = (from: number, to: number, r: number, x: number) => steps.push({ t: 0, event: { kind: 'deliver', from, to, message: { type: 'REPORT', r, x } as never }, choices: [] });
    const proposal = (from: number, to: number, r: number, v: number | null, coin?: number) =>
      steps.push({ t: 0, event: { kind: 'deliver', from, to, message: { type: 'PROPOSAL', r, v } as never }, choices: coin === undefined ? [] : [coin] });
    request(0, 0); request(1, 1); request(2, 1);
    report(1, 1, 1, 1); report(2, 1, 1, 1); report(1, 2, 1, 1); report(2, 2, 1, 1); report(0, 0, 1, 0); report(1, 0, 1, 1);
    proposal(1, 1, 1, 1); proposal(2, 1, 1, 1); // p1 decides 1
    proposal(2, 2, 1, 1); proposal(0, 2, 1, null); // p2 sees one D-message: no decision, keeps x = 1
    proposal(0, 0, 1, null); proposal(1, 0, 1, 1); // p0 sees a D-message for 1 but keeps x = 0 (the mutation)
    report(0, 2, 2, 0); report(2, 2, 2, 1); report(0, 0, 2, 0); report(2, 0, 2, 1);
    proposal(0, 2, 2, null); proposal(2, 2, 2, null, 0); proposal(0, 0, 2, null); proposal(2, 0, 2, null, 0); // both flip 0
    report(0, 0, 3, 0); report(2, 0, 3, 0); report(0, 2, 3, 0); report(2, 2, 3, 0);
    proposal(0, 2, 3, 0); proposal(2, 2, 3, 0); // p2 decides 0
    const result = replaySteps(module, { n: 3, f: 1 }, [], steps, { checkLiveness: false });
    expect(result.applied.length).toBe(29);
    expect(result.violation?.property).toBe('agreement');
    expect(result.violation?.step).toBe(28);
  });

  it('ben-or/adopt-not-recorded: the shrunk counterexample of seed 2 has at most 40 steps', () => {
    const plan = planRun(module);
    const config = configFor(plan, 2);
    const result = simulate(config);
    expect(result.violation?.property).toBe('agreement');
    const shrunk = shrink(module, plan.params, [], result.trace.slice(0, result.violation!.step + 1), result.violation!);
    expect(shrunk.violation.property).toBe('agreement');
    expect(shrunk.steps.length, `shrunk from ${result.violation!.step + 1} to ${shrunk.steps.length} steps in ${shrunk.attempts} replays`).toBeLessThanOrEqual(MAX_SHRUNK);
    // The substituted deliveries are recorded: a plain replay applies every step and ends in the violation.
    const again = replaySteps(module, plan.params, [], shrunk.steps, { checkLiveness: false });
    expect(again.applied).toEqual(shrunk.steps);
    expect(again.violation?.property).toBe('agreement');
    expect(again.violation?.step).toBe(shrunk.steps.length - 1);
  });
});
