#!/usr/bin/env node
/**
 * `rio`: the command-line entry. The only code that touches process, console and files.
 * Commands load their stage code lazily, so `rio check` never loads the code generator.
 * Exit codes: 0 ok, 1 the spec has errors (or a property failed), 2 usage error or
 * unreadable input, 3 internal error (a bug in rio).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { processIo, type Io } from './io.js';
import { UnreadableFile } from './load.js';

/** A command line yargs rejected (unknown flag, missing argument). */
class CliUsage extends Error {}

/** Runs the CLI with the given arguments; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let exitCode = 0;
  let usageError: string | undefined;
  const parser = yargs()
    .scriptName('rio')
    .usage('rio <command> [options]\n\nExecutable specifications of distributed protocols.')
    .command(
      'check <specs..>',
      'parse, resolve and type-check .rio specs, and print what is wrong',
      (y) =>
        y
          .positional('specs', { describe: '.rio files to check', type: 'string', array: true, demandOption: true })
          .option('format', { describe: 'output format', choices: ['text', 'json'] as const, default: 'text' as const })
          .example('rio check specs/*.rio', 'check every bundled spec')
          .example('rio check --format json specs/paxos.rio', 'diagnostics as JSON, for editors'),
      async (args) => {
        const { runCheck } = await import('./check.js');
        exitCode = runCheck({ specs: args.specs, format: args.format }, io);
      },
    )
    .command(
      'compile <specs..>',
      'compile .rio specs into TypeScript replica modules',
      (y) =>
        y
          .positional('specs', { describe: '.rio files to compile', type: 'string', array: true, demandOption: true })
          .option('out', { alias: 'o', describe: 'output directory', type: 'string', default: 'generated' })
          .option('check', { describe: 'write nothing; exit 1 if the files in the output directory are out of date', type: 'boolean', default: false })
          .example('rio compile specs/*.rio', 'write generated/<spec>.ts for each spec')
          .example('rio compile --check specs/*.rio', 'fail when generated/ differs from what the compiler makes now'),
      async (args) => {
        const { runCompile } = await import('./compile.js');
        exitCode = await runCompile({ specs: args.specs, outDir: args.out, check: args.check }, io);
      },
    )
    .command(
      'simulate <spec>',
      "run a spec's replicas in the deterministic simulator and check its properties",
      (y) =>
        y
          .positional('spec', { describe: 'the .rio file', type: 'string', demandOption: true })
          .option('protocol', { describe: 'which protocol of the file (default: the first)', type: 'string' })
          .option('param', { describe: 'a parameter value, name=value (repeatable)', type: 'string', array: true, default: [] as string[] })
          .option('scenario', { describe: "a 'scenario' of the spec to run (default: its first, if it has one)", type: 'string' })
          .option('seed', { describe: 'the seed (decimal or 0x hex)', type: 'string' })
          .option('seeds', { describe: 'a range of seeds, A..B (swarm testing)', type: 'string' })
          .option('all', { describe: 'with --seeds: keep going after a violation and report them all', type: 'boolean', default: false })
          .option('steps', { describe: 'stop a run after this many events', type: 'number', default: 100_000 })
          .option('horizon', { describe: 'stop a run at this simulated time; eventually-properties are judged then', type: 'number', default: 10_000 })
          .option('faults', { describe: "fault plan: 'byzantine=P[:STRATEGY],crash=P@T,restart=P@T' or 'none' (default: the spec's faults, placed by the seed). STRATEGY: silent, equivocate, replay, arbitrary (random messages), or conflict, twins, withhold, stale, forge (the spec's own replica, corrupted; e.g. conflict(PRE_PREPARE+PREPARE) for some message types only)", type: 'string' })
          .option('beyond-faults', { describe: 'allow more faults than the spec tolerates', type: 'boolean', default: false })
          .option('network', { describe: "network: 'delay=1..10,loss=0.1,dup=0.05,gst=500,partition=0+1|2+3@10..50'", type: 'string' })
          .option('request', { describe: "a request, 'name(args) at TIME [on P]' (repeatable)", type: 'string', array: true, default: [] as string[] })
          .option('values', { describe: 'size of the Value domain for Byzantine messages', type: 'number', default: 2 })
          .option('trace', { describe: 'write the (shrunk) trace to this file', type: 'string' })
          .option('shrink', { describe: 'shrink a violating run to a short counterexample', type: 'boolean', default: true })
          .option('json', { describe: 'print one JSON result object', type: 'boolean', default: false })
          .example('rio simulate specs/bracha-broadcast.rio --seeds 1..1000', 'swarm-test the bundled Bracha spec')
          .example("rio simulate specs/bracha-broadcast.rio --faults 'byzantine=0:equivocate' --seed 7", 'an equivocating sender'),
      async (args) => {
        const { runSimulate } = await import('./simulate.js');
        exitCode = await runSimulate(
          {
            spec: args.spec, ...(args.protocol === undefined ? {} : { protocol: args.protocol }), params: args.param,
            ...(args.scenario === undefined ? {} : { scenario: args.scenario }), ...(args.seed === undefined ? {} : { seed: args.seed }),
            ...(args.seeds === undefined ? {} : { seeds: args.seeds }), all: args.all, steps: args.steps, horizon: args.horizon,
            ...(args.faults === undefined ? {} : { faults: args.faults }), beyondFaults: args['beyond-faults'],
            ...(args.network === undefined ? {} : { network: args.network }), requests: args.request, values: args.values,
            ...(args.trace === undefined ? {} : { trace: args.trace }), shrink: args.shrink, json: args.json,
          },
          io,
        );
      },
    )
    .command(
      'explore <spec>',
      'explore every interleaving of a small configuration (model checking)',
      (y) =>
        y
          .positional('spec', { describe: 'the .rio file', type: 'string', demandOption: true })
          .option('protocol', { describe: 'which protocol of the file (default: the first)', type: 'string' })
          .option('param', { describe: 'a parameter value, name=value (repeatable)', type: 'string', array: true, default: [] as string[] })
          .option('scenario', { describe: "the scenario whose parameters and requests to use (default: the spec's first)", type: 'string' })
          .option('request', { describe: "a request, 'name(args) [on P]' (repeatable; time is ignored)", type: 'string', array: true, default: [] as string[] })
          .option('values', { describe: 'size of the Value domain for Byzantine messages', type: 'number', default: 2 })
          .option('byzantine', { describe: "Byzantine processes, e.g. '3' or '0,3' or 'none' (default: the spec's bound, highest ids)", type: 'string' })
          .option('crashes', { describe: "how many processes may crash (default: the spec's bound)", type: 'number' })
          .option('lossy', { describe: 'the network may lose messages', type: 'boolean', default: false })
          .option('max-states', { describe: 'stop after this many distinct states', type: 'number', default: 1_000_000 })
          .option('max-depth', { describe: 'do not expand states deeper than this', type: 'number', default: 1_000 })
          .option('time-limit', { describe: 'stop after this many seconds', type: 'number', default: 600 })
          .option('max-timeouts', { describe: "how many times each process's timers may expire in all, or 'none' for no bound", type: 'string', default: '1' })
          .option('dfs', { describe: 'depth-first search (default: breadth-first, shortest counterexamples)', type: 'boolean', default: false })
          .option('exact', { describe: 'identify states by their full encoding, not a 64-bit fingerprint', type: 'boolean', default: false })
          .option('symmetry', { describe: 'symmetry reduction over interchangeable processes', type: 'boolean', default: true })
          .option('stale', { describe: "leave out messages a guard rejects for good while a variable never decreases (checked on every step; --no-stale to keep them)", type: 'boolean', default: true })
          .option('observers', { describe: 'explore deliveries to processes that only listen per state, not interleaved (--no-observers to interleave them)', type: 'boolean', default: true })
          .option('explicit-crashes', { describe: 'explore crashes even when no property can tell a crash from a process that stops taking steps', type: 'boolean', default: false })
          .option('trace', { describe: 'write a counterexample trace to this file', type: 'string' })
          .option('json', { describe: 'print one JSON result object', type: 'boolean', default: false })
          .example('rio explore specs/bracha-broadcast.rio --max-states 100000', 'Bracha with n=4, f=1 (one Byzantine process)'),
      async (args) => {
        const { runExplore } = await import('./explore.js');
        exitCode = await runExplore(
          {
            spec: args.spec, ...(args.protocol === undefined ? {} : { protocol: args.protocol }), params: args.param,
            ...(args.scenario === undefined ? {} : { scenario: args.scenario }), requests: args.request, values: args.values,
            ...(args.byzantine === undefined ? {} : { byzantine: args.byzantine }), ...(args.crashes === undefined ? {} : { crashes: args.crashes }),
            lossy: args.lossy, maxStates: args['max-states'], maxDepth: args['max-depth'], timeLimit: args['time-limit'], dfs: args.dfs,
            maxTimeouts: args['max-timeouts'], exact: args.exact, symmetry: args.symmetry, stale: args.stale, observers: args.observers, explicitCrashes: args['explicit-crashes'],
            ...(args.trace === undefined ? {} : { trace: args.trace }), json: args.json,
          },
          io,
        );
      },
    )
    .command(
      'replay <file>',
      're-run a trace file written by simulate or explore, and print its report',
      (y) =>
        y
          .positional('file', { describe: 'the trace file (JSON lines)', type: 'string', demandOption: true })
          .option('json', { describe: 'print one JSON result object', type: 'boolean', default: false }),
      async (args) => {
        const { runReplay } = await import('./simulate.js');
        exitCode = await runReplay({ file: args.file, json: args.json }, io);
      },
    )
    .command(
      'keygen',
      'make keys, self-signed certificates and a cluster configuration for N processes',
      (y) =>
        y
          .option('nodes', { describe: 'how many processes', type: 'number', demandOption: true })
          .option('out', { alias: 'o', describe: 'output directory (cluster.json and node-<id>/ key folders)', type: 'string', demandOption: true })
          .option('hosts', { describe: 'host of each node, comma-separated (one for all, or one per node; default 127.0.0.1)', type: 'string' })
          .option('port', { describe: 'peer port of node 0 (node i gets port+i on a shared host)', type: 'number', default: 7400 })
          .option('http-port', { describe: 'API port of node 0 (node i gets http-port+i on a shared host)', type: 'number', default: 8400 })
          .option('force', { describe: 'replace an existing configuration', type: 'boolean', default: false })
          .example('rio keygen --nodes 4 -o cluster', 'four processes on this machine'),
      async (args) => {
        const { runKeygen } = await import('./keygen.js');
        exitCode = await runKeygen({ nodes: args.nodes, out: args.out, ...(args.hosts === undefined ? {} : { hosts: args.hosts }), port: args.port, httpPort: args['http-port'], force: args.force }, io);
      },
    )
    .command(
      'start <spec>',
      'run one process of a cluster (JSON logs on stderr; stops cleanly on SIGTERM)',
      (y) =>
        y
          .positional('spec', { describe: 'the .rio file', type: 'string', demandOption: true })
          .option('protocol', { describe: 'which protocol of the file (default: the first)', type: 'string' })
          .option('config', { describe: "the cluster configuration (from 'rio keygen')", type: 'string', demandOption: true })
          .option('id', { describe: 'which node of the configuration this process is', type: 'number', demandOption: true })
          .option('keys', { describe: 'this node\'s key folder (default: node-<id> beside the configuration)', type: 'string' })
          .option('data', { describe: 'the SQLite file of its durable state (default: state.db in the key folder)', type: 'string' })
          .option('param', { describe: 'a parameter value, name=value (repeatable; over the configuration\'s)', type: 'string', array: true, default: [] as string[] })
          .option('tick-ms', { describe: "milliseconds per time unit of the spec's timers", type: 'number', default: 100 })
          .option('listen', { describe: 'address to accept peers on (default: the node\'s host in the configuration)', type: 'string' })
          .option('http-port', { describe: 'API port (default: the configuration\'s); the API binds 127.0.0.1', type: 'number' })
          .option('log-level', { describe: 'least level logged', choices: ['debug', 'info', 'warn', 'error'] as const, default: 'info' as const })
          .option('app', { describe: "an application to serve beside the API: kv (the replicated key-value store, under /kv; Raft, Multi-Paxos or PBFT)", type: 'string' })
          .option('byzantine', { describe: "play Byzantine: run the spec's replica and corrupt what it sends as the simulator's strategy does: conflict, withhold, stale, forge, optionally for some message types, e.g. 'conflict(PRE_PREPARE+PREPARE)'", type: 'string' })
          .option('byzantine-seed', { describe: 'the seed that splits the other processes into halves (conflict) or picks the one still told (withhold)', type: 'number', default: 1 })
          .example('rio start specs/bracha-broadcast.rio --config cluster/cluster.json --id 0', 'node 0 of the cluster')
          .example("rio start specs/pbft.rio --config cluster/cluster.json --id 0 --app kv --byzantine 'conflict(PRE_PREPARE+PREPARE)'", 'an equivocating PBFT primary'),
      async (args) => {
        const { runStart } = await import('./start.js');
        exitCode = await runStart(
          {
            spec: args.spec, ...(args.protocol === undefined ? {} : { protocol: args.protocol }), config: args.config, id: args.id,
            ...(args.keys === undefined ? {} : { keyDir: args.keys }), ...(args.data === undefined ? {} : { data: args.data }), params: args.param,
            tickMs: args['tick-ms'], logLevel: args['log-level'], ...(args.listen === undefined ? {} : { listen: args.listen }),
            ...(args['http-port'] === undefined ? {} : { httpPort: args['http-port'] }), ...(args.app === undefined ? {} : { app: args.app }),
            ...(args.byzantine === undefined ? {} : { byzantine: args.byzantine }), byzantineSeed: args['byzantine-seed'],
          },
          io,
        );
      },
    )
    .command(
      'cluster <spec>',
      'run N processes of a spec on loopback with fresh keys, drive a workload, print indications',
      (y) =>
        y
          .positional('spec', { describe: 'the .rio file', type: 'string', demandOption: true })
          .option('protocol', { describe: 'which protocol of the file (default: the first)', type: 'string' })
          .option('nodes', { describe: 'how many processes (must match the parameters)', type: 'number' })
          .option('param', { describe: 'a parameter value, name=value (repeatable)', type: 'string', array: true, default: [] as string[] })
          .option('scenario', { describe: "the scenario whose parameters and requests to use (default: the spec's first)", type: 'string' })
          .option('request', { describe: "a request, 'name(args) at TIME [on P]' (repeatable)", type: 'string', array: true, default: [] as string[] })
          .option('kill', { describe: 'SIGKILL process P at TIME: P@TIME (repeatable)', type: 'string', array: true, default: [] as string[] })
          .option('restart', { describe: 'start process P again at TIME (after a kill; its durable state survives): P@TIME (repeatable)', type: 'string', array: true, default: [] as string[] })
          .option('tick-ms', { describe: 'milliseconds per time unit (of TIME and of the spec\'s timers)', type: 'number', default: 100 })
          .option('duration', { describe: 'time units to run (default: 20 after the last scheduled event)', type: 'number' })
          .option('until-each', { describe: 'stop early once every process that is up has made this many indications', type: 'number' })
          .option('json', { describe: 'print one JSON summary object', type: 'boolean', default: false })
          .option('keep', { describe: 'keep the keys, databases and logs (their folder is printed)', type: 'boolean', default: false })
          .option('verbose', { describe: 'print every process\'s log lines on stderr', type: 'boolean', default: false })
          .option('app', { describe: 'an application every process serves: kv (the replicated key-value store; Raft, Multi-Paxos or PBFT)', type: 'string' })
          .option('byzantine', { describe: "process P plays Byzantine with a strategy (see rio start --byzantine): 'P:conflict(PRE_PREPARE+PREPARE)' (repeatable)", type: 'string', array: true, default: [] as string[] })
          .option('byzantine-seed', { describe: 'the seed of the Byzantine processes (rio start --byzantine-seed)', type: 'number', default: 1 })
          .option('kv', { describe: "a key-value operation, 'put(K, V) at TIME [on P]', 'get(K) ...', 'delete(K) ...', 'cas(K, EXPECTED, V) ...' (repeatable; implies --app kv)", type: 'string', array: true, default: [] as string[] })
          .example("rio cluster specs/bracha-broadcast.rio --nodes 4 --request 'broadcast(7) at 0 on 0'", 'Bracha on 4 local processes')
          .example("rio cluster specs/raft.rio --tick-ms 2 --kv 'put(3, 7) at 400 on 0' --kv 'get(3) at 450 on 1'", 'the key-value store replicated by Raft')
          .example("rio cluster specs/bracha-broadcast.rio --nodes 4 --request 'broadcast(7) at 5' --kill 3@5", 'one process killed mid-run')
          .example("rio cluster specs/pbft.rio --tick-ms 2 --param clients=1 --byzantine '0:conflict(PRE_PREPARE+PREPARE)' --kv 'put(3, 7) at 50 on 4' --kv 'get(3) at 100 on 4'", 'the key-value store on PBFT, with an equivocating primary'),
      async (args) => {
        const { runCluster } = await import('./cluster.js');
        exitCode = await runCluster(
          {
            spec: args.spec, ...(args.protocol === undefined ? {} : { protocol: args.protocol }), ...(args.nodes === undefined ? {} : { nodes: args.nodes }),
            params: args.param, ...(args.scenario === undefined ? {} : { scenario: args.scenario }), requests: args.request, kills: args.kill,
            restarts: args.restart, tickMs: args['tick-ms'], ...(args.duration === undefined ? {} : { duration: args.duration }),
            ...(args['until-each'] === undefined ? {} : { untilEach: args['until-each'] }), json: args.json,
            keep: args.keep, verbose: args.verbose, ...(args.app === undefined ? {} : { app: args.app }), kv: args.kv, byzantine: args.byzantine, byzantineSeed: args['byzantine-seed'],
          },
          io,
        );
      },
    )
    .demandCommand(1, 'name a command, e.g. rio check specs/*.rio')
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message, error) => {
      if (error !== undefined && error !== null) throw error;
      // Throwing stops yargs before it runs the command (returning would let it run).
      throw new CliUsage(message);
    });
  let helpShown = false;
  parser.showHelpOnFail(false);
  try {
    await parser.parseAsync([...argv], {}, (_err, _argv, output) => {
      if (output) {
        helpShown = true;
        io.out(output);
      }
    });
  } catch (error) {
    if (error instanceof CliUsage) usageError = error.message;
    else if (error instanceof UnreadableFile || (error instanceof Error && ['UsageError', 'PlanError', 'TraceError'].includes(error.name))) {
      io.err(`rio: ${error.message}`);
      return 2;
    }
    else {
      io.err(`rio: error RIO9001: internal compiler error: ${error instanceof Error ? error.message : String(error)}`);
      io.err('This is a bug in rio, not in your spec. Please report it with the spec that triggered it.');
      return 3;
    }
  }
  if (usageError !== undefined) {
    io.err(`rio: ${usageError}\nRun 'rio --help' for usage.`);
    return 2;
  }
  return helpShown ? 0 : exitCode;
}

/** True when this file is the program being run (also through npm's `rio` symlink). */
function isEntry(): boolean {
  const invoked = process.argv[1];
  if (invoked === undefined) return false;
  try {
    return realpathSync(invoked) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  main(hideBin(process.argv), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`rio: error RIO9001: internal compiler error: ${String(error)}\n`);
      process.exitCode = 3;
    },
  );
}
