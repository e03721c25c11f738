/**
 * Swarm benchmark of the crash-fault replication specs (Raft and Multi-Paxos, issue 7):
 * seeds 1..1000 (by default) of each spec under three fault profiles, in process, exactly as
 * `rio simulate` builds each run (tests/runtime/sim/sim-config.ts):
 *
 *   crash-restart   the spec's first scenario (3 processes) and its own fault model placed
 *                   by the seed: one crash at a random time, restarted later (keeping its
 *                   durable state) with probability 1/2; default network
 *   lossy           the same, plus 20% message loss and 5% duplication until t=3000, and a
 *                   partition isolating process 0 during t=500..1500
 *   five            the five-process scenario: two crashes (each restarted or not), 20% loss
 *                   until t=3000, and a 2|3 partition during t=500..1500
 *
 * Every run goes to the horizon (heartbeats never stop), where `eventually` properties are
 * judged. Prints per spec and profile: seeds, events, violations, events/s and wall time;
 * exits 1 if any seed violates a property. Like bench/simulate/swarm.ts, for these specs.
 *
 *     npx tsc -p tsconfig.build.json
 *     node dist/bench/simulate/cft-swarm.js               # seeds 1..1000
 *     node dist/bench/simulate/cft-swarm.js 100 raft      # seeds 1..100, Raft only
 */
import { performance } from 'node:perf_hooks';
import { MultiPaxos } from '../../generated/multi-paxos.js';
import { Raft } from '../../generated/raft.js';
import type { ProtocolModule } from '../../runtime/replica/contract.js';
import { simulate } from '../../runtime/sim/simulate.js';
import { configFor, planRun, type RunOptions } from '../../tests/runtime/sim/sim-config.js';

const specs: readonly { readonly name: string; readonly module: ProtocolModule<any, any>; readonly five: string }[] = [
  { name: 'raft', module: Raft, five: 'fiveServers' },
  { name: 'multi-paxos', module: MultiPaxos, five: 'fiveProcesses' },
];
const profiles: readonly { readonly name: string; readonly options: (five: string) => RunOptions }[] = [
  { name: 'crash-restart', options: () => ({}) },
  { name: 'lossy', options: () => ({ network: 'loss=0.2,dup=0.05,gst=3000,partition=0|1+2@500..1500' }) },
  { name: 'five', options: (five) => ({ scenario: five, network: 'loss=0.2,gst=3000,partition=0+1|2+3+4@500..1500' }) },
];

function usage(message: string): never {
  console.error(`cft-swarm: ${message}`);
  console.error('usage: node dist/bench/simulate/cft-swarm.js [N | A..B] [raft | multi-paxos ...]');
  process.exit(2);
}

let first = 1;
let last = 1000;
const names: string[] = [];
for (const arg of process.argv.slice(2)) {
  if (/^\d+$/.test(arg) && Number(arg) >= 1) last = Number(arg);
  else if (/^\d+\.\.\d+$/.test(arg)) {
    [first, last] = arg.split('..').map(Number) as [number, number];
    if (last < first || first < 1) usage(`the seed range ${arg} is empty`);
  } else if (specs.some((s) => s.name === arg)) names.push(arg);
  else usage(`unknown argument '${arg}'`);
}
const chosen = names.length === 0 ? specs : specs.filter((s) => names.includes(s.name));

const pad = (s: string | number, width: number) => String(s).padStart(width);
console.log(`cft-swarm: seeds ${first}..${last}, horizon 10000, each spec under each fault profile`);
console.log(`${'spec'.padEnd(12)} ${'profile'.padEnd(14)} ${pad('seeds', 6)} ${pad('restarts', 8)} ${pad('events', 10)} ${pad('violations', 10)} ${pad('events/s', 9)} ${pad('wall', 8)}`);
let anyViolation = false;
let totalEvents = 0;
let totalRuns = 0;
const started = performance.now();
for (const spec of chosen) {
  for (const profile of profiles) {
    const plan = planRun(spec.module, profile.options(spec.five));
    const violations: string[] = [];
    let events = 0;
    let restarted = 0;
    const t0 = performance.now();
    for (let seed = first; seed <= last; seed++) {
      const config = configFor(plan, seed, false);
      if ((config.faults.restarts ?? []).length > 0) restarted++;
      const result = simulate(config);
      events += result.steps;
      if (result.verdict === 'violation') violations.push(`seed ${seed}: ${result.violation!.property} (${result.violation!.kind})`);
      else if (!result.livenessChecked) violations.push(`seed ${seed}: run not judged for liveness (ended by ${result.ended})`);
    }
    const seconds = (performance.now() - t0) / 1000;
    totalEvents += events;
    totalRuns += last - first + 1;
    anyViolation ||= violations.length > 0;
    console.log(
      `${spec.name.padEnd(12)} ${profile.name.padEnd(14)} ${pad(last - first + 1, 6)} ${pad(restarted, 8)} ${pad(events, 10)} ${pad(violations.length, 10)} ${pad(Math.round(events / Math.max(seconds, 1e-9)), 9)} ${pad(`${seconds.toFixed(1)} s`, 8)}`,
    );
    for (const v of violations.slice(0, 10)) console.log(`  VIOLATION ${v}`);
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(`total: ${totalRuns} runs, ${totalEvents} events in ${seconds.toFixed(1)} s (${Math.round(totalEvents / Math.max(seconds, 1e-9))} events/s); ${anyViolation ? 'VIOLATIONS found' : 'no violations'}`);
process.exitCode = anyViolation ? 1 : 0;
