/**
 * `rio cluster <spec>`: a whole cluster on this machine, for trying a spec for real. Makes
 * fresh keys in a temporary folder, launches one `rio start` child per process on
 * loopback, drives the workload (`--request`, as in `rio simulate`; times are in the spec's
 * time units of `--tick-ms` each) through the processes' HTTP APIs, kills (SIGKILL) and
 * restarts processes when told, prints indications as they arrive and a summary, and stops
 * every process it started: at the end, on error and on Ctrl-C.
 *
 * With `--app kv` every process also serves the replicated key-value store
 * (examples/kv/service.ts), and `--kv 'put(3, 7) at 5 on 0'` runs key-value operations
 * through it with the store's HTTP client, printing each answer and its latency, and each
 * process's store at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Data } from '../../runtime/replica/values.js';
import type { Tagged } from '../../runtime/replica/contract.js';
import type { Launched } from '../../runtime/net/launch.js';
import type { Io } from './io.js';
import type { ProtocolModule } from '../../runtime/replica/contract.js';
import { parseParams, parseRequest, PlanError } from '../../runtime/sim/plan.js';
import { loadForRun, runSetup, UsageError } from './simulate.js';
import { decodeCommand, describeOp, encodeCommand, KEYS, VALUES, type KvOp } from '../../examples/kv/command.js';
import type { KvOutcome } from '../../examples/kv/client.js';
import { APPS, kvMismatch } from './start.js';
import { kvProtocolOf } from '../../examples/kv/protocols.js';
import { parseByzantineMode } from '../../runtime/net/byzantine.js';

/**
 * As `rio simulate` sets up a run, except that `--request`s do not drop the first
 * scenario's parameters: they stay the defaults under `--param`, so
 * `rio cluster specs/bracha-broadcast.rio --request 'broadcast(9) at 0'` needs no parameters.
 */
function clusterSetup(module: ProtocolModule<any, any>, specFile: string, args: ClusterArgs): ReturnType<typeof runSetup> {
  // With an application, a scenario's requests (submit(1), ...) are not its operations: only its parameters are used.
  if ((args.requests.length === 0 && args.app === undefined) || args.scenario !== undefined) return runSetup(module, specFile, args);
  try {
    const params = parseParams(module, args.params, (module.scenarios[0]?.params ?? {}) as Record<string, Data>);
    const source = [args.requests.length > 0 ? '--request' : '', args.kv.length > 0 ? '--kv' : ''].filter((x) => x !== '').join(' and ');
    return { params, workload: args.requests.map((r) => parseRequest(module, params, r)), workloadSource: `from ${source || 'nothing (no --request or --kv)'}` };
  } catch (error) {
    if (error instanceof PlanError) throw new UsageError(error.message);
    throw error;
  }
}

export interface ClusterArgs {
  readonly spec: string;
  readonly protocol?: string;
  readonly nodes?: number;
  readonly params: readonly string[];
  readonly scenario?: string;
  readonly requests: readonly string[];
  readonly kills: readonly string[];
  readonly restarts: readonly string[];
  readonly tickMs: number;
  /** How long to run, in time units (default: until 20 units after the last scheduled event). */
  readonly duration?: number;
  /** Stop early, once the workload is sent and every process that is up has made this many indications. */
  readonly untilEach?: number;
  readonly json: boolean;
  readonly keep: boolean;
  readonly verbose: boolean;
  /** An application every process serves (`rio start --app`); `--kv` implies 'kv'. */
  readonly app?: string;
  /** Key-value operations, 'put(3, 7) at 5 on 0' (the store's HTTP client runs them). */
  readonly kv: readonly string[];
  /** Processes that play Byzantine: 'P:STRATEGY', e.g. '0:conflict(PRE_PREPARE+PREPARE)' (rio start --byzantine). */
  readonly byzantine?: readonly string[];
  /** Their seed (rio start --byzantine-seed). */
  readonly byzantineSeed?: number;
}

type Action = { readonly at: number; readonly order: number } & (
  | { readonly kind: 'request'; readonly process: number; readonly request: Tagged }
  | { readonly kind: 'kill' | 'restart'; readonly process: number }
  | { readonly kind: 'kv'; readonly process: number; readonly op: KvOp }
);

/** `put(3, 7) at 5 on 0`, `get(k3) at 6`, `delete(3) at 7 on 2`, `cas(3, 7, 8) at 8` (expected 7, new value 8; 0 = absent). */
function parseKv(text: string, n: number): { at: number; process: number; op: KvOp } {
  const m = /^\s*(put|get|delete|cas)\s*\(([^)]*)\)\s+at\s+(\d+(?:\.\d+)?)(?:\s+on\s+(\d+))?\s*$/.exec(text);
  const usage = `--kv '${text}' must look like 'put(KEY, VALUE) at TIME [on P]', 'get(KEY) at TIME', 'delete(KEY) at TIME' or 'cas(KEY, EXPECTED, VALUE) at TIME' (keys 0..${KEYS - 1}, values 1..${VALUES - 1}, EXPECTED 0 = absent)`;
  if (m === null) throw new UsageError(usage);
  const kind = m[1] as KvOp['kind'];
  const numbers = m[2]!.split(',').map((a) => a.trim().replace(/^k/, '')).filter((a) => a !== '');
  if (!numbers.every((a) => /^\d+$/.test(a)) || numbers.length !== { put: 2, get: 1, delete: 1, cas: 3 }[kind]) throw new UsageError(usage);
  const [key, a, b] = numbers.map(Number) as [number, number, number];
  const process = m[4] === undefined ? 0 : Number(m[4]);
  if (process >= n) throw new UsageError(`--kv '${text}': process ${process} does not exist (processes are 0..${n - 1})`);
  const op: KvOp = kind === 'put' ? { kind, key, value: a } : kind === 'cas' ? { kind, key, expected: a, value: b } : { kind, key };
  try {
    encodeCommand({ id: 1, op });
  } catch (error) {
    throw new UsageError(`--kv '${text}': ${(error as Error).message}`);
  }
  return { at: Number(m[3]), process, op };
}

function parseAt(flag: string, text: string, n: number): { process: number; at: number } {
  const m = /^(\d+)@(\d+)$/.exec(text.trim());
  if (m === null) throw new UsageError(`${flag} '${text}' must look like PROCESS@TIME, e.g. ${flag} 3@5`);
  const process = Number(m[1]);
  if (process >= n) throw new UsageError(`${flag} ${text}: process ${process} does not exist (processes are 0..${n - 1})`);
  return { process, at: Number(m[2]) };
}

/** An `apply` of the key-value store with its command decoded: `apply(index=2, put(k3, 7))` (PBFT's `execute` and `learn` too). */
function showKv(event: Tagged): string {
  if (event.type === 'apply') return `apply(index=${String(event['index'])}, ${describeOp(decodeCommand(event['command'] as number).op)})`;
  if ((event.type === 'execute' || event.type === 'learn') && typeof event['op'] === 'number') return `${event.type}(s=${String(event['s'])}, ${describeOp(decodeCommand(event['op']).op)})`;
  return show(event);
}

/** `deliver(m=7)`: an event for people. */
function show(event: Tagged): string {
  const fields = Object.entries(event).filter(([k]) => k !== 'type').map(([k, v]) => `${k}=${JSON.stringify(v as Data)}`);
  return `${event.type}(${fields.join(', ')})`;
}

export async function runCluster(args: ClusterArgs, io: Io): Promise<number> {
  if (!(args.tickMs > 0)) throw new UsageError(`--tick-ms must be a positive number of milliseconds, not ${String(args.tickMs)}`);
  if (args.duration !== undefined && !(args.duration >= 0)) throw new UsageError(`--duration must be a non-negative number of time units, not ${String(args.duration)}`);
  if (args.untilEach !== undefined && !(Number.isInteger(args.untilEach) && args.untilEach >= 1)) throw new UsageError(`--until-each must be a whole number of indications (1 or more), not ${String(args.untilEach)}`);
  if (args.nodes !== undefined && (!Number.isInteger(args.nodes) || args.nodes < 1 || args.nodes > 64)) throw new UsageError(`--nodes must be a whole number from 1 to 64, not ${String(args.nodes)}`);
  const app = args.app ?? (args.kv.length > 0 ? 'kv' : undefined);
  if (app !== undefined && !(APPS as readonly string[]).includes(app)) throw new UsageError(`--app '${app}': the applications are ${APPS.join(', ')}`);
  if (args.kv.length > 0 && app !== 'kv') throw new UsageError(`--kv needs --app kv (or no --app)`);
  const loaded = await loadForRun(args, io);
  if (typeof loaded === 'number') return loaded;
  const { module, specFile } = loaded;
  if (app === 'kv') {
    const problem = kvMismatch(module);
    if (problem !== null) throw new UsageError(problem);
  }
  const setup = clusterSetup(module, specFile, { ...args, ...(app === undefined ? {} : { app }) });
  const n = module.processCount(setup.params as never);
  if (args.nodes !== undefined && args.nodes !== n) {
    const sized = module.parameters.filter((p) => p.type.kind === 'nat').map((p) => p.name);
    throw new UsageError(`--nodes ${args.nodes}, but the parameters give ${n} processes${sized.length > 0 ? ` (set them with --param, e.g. ${sized.map((s) => `${s}=...`).join(' ')})` : ''}`);
  }
  const byzantine = new Map<number, string>();
  for (const text of args.byzantine ?? []) {
    const m = /^\s*(\d+)\s*:\s*(.+)$/.exec(text);
    if (m === null) throw new UsageError(`--byzantine '${text}' must look like P:STRATEGY, e.g. '0:conflict(PRE_PREPARE+PREPARE)'`);
    const p = Number(m[1]);
    if (p >= n) throw new UsageError(`--byzantine '${text}': process ${p} does not exist (processes are 0..${n - 1})`);
    if (byzantine.has(p)) throw new UsageError(`--byzantine: process ${p} is given twice`);
    const mode = parseByzantineMode(module, m[2]!.trim());
    if (typeof mode === 'string') throw new UsageError(mode);
    byzantine.set(p, m[2]!.trim());
  }
  if (!Number.isInteger(args.byzantineSeed ?? 1)) throw new UsageError(`--byzantine-seed must be a whole number, not ${String(args.byzantineSeed)}`);
  let order = 0;
  const actions: Action[] = [
    ...setup.workload.map((w): Action => ({ kind: 'request', at: w.at, process: w.process, request: w.request, order: order++ })),
    // A scenario's crashes and restarts happen for real too (the workload came from it).
    ...(setup.scenario === undefined || args.requests.length > 0 ? [] : setup.scenario.steps(setup.params as never))
      .filter((step) => step.kind !== 'request')
      .map((step): Action => ({ kind: step.kind === 'crash' ? 'kill' : 'restart', at: step.at, process: step.process, order: order++ })),
    ...args.kv.map((k): Action => ({ kind: 'kv', ...parseKv(k, n), order: order++ })),
    ...args.kills.map((k): Action => ({ kind: 'kill', ...parseAt('--kill', k, n), order: order++ })),
    ...args.restarts.map((k): Action => ({ kind: 'restart', ...parseAt('--restart', k, n), order: order++ })),
  ].sort((a, b) => a.at - b.at || a.order - b.order);
  if (app === 'kv') {
    const clients = Array.from({ length: n }, (_, p) => p).filter((p) => module.roleOf(setup.params as never, p) === 'Client');
    for (const a of actions) {
      if (a.kind !== 'kv') continue;
      const binding = kvProtocolOf(module, module.roleOf(setup.params as never, a.process), clients);
      if (typeof binding !== 'string' && binding.submit === undefined) throw new UsageError(`--kv '${describeOp(a.op)} ... on ${a.process}': ${binding.noSubmit}`);
    }
  }
  const lastAt = actions.reduce((m, a) => Math.max(m, a.at), 0);
  const durationMs = (args.duration ?? lastAt + 20) * args.tickMs;

  const { writeCluster } = await import('../../runtime/net/keys.js');
  const { freePorts, launchNode, stopNode } = await import('../../runtime/net/launch.js');
  const { RioClient } = await import('../../runtime/net/client.js');
  const { KvClient } = await import('../../examples/kv/client.js');
  const kvClient = new Map<Launched, InstanceType<typeof KvClient>>();
  const kvRuns: Promise<void>[] = [];
  /** Answered or not: `sentMs` is when it was sent (ms after the cluster started), `ms` how long it took. */
  const kvDone: { process: number; op: string; input: KvOp; outcome: KvOutcome; sentMs: number; ms: number }[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'rio-cluster-'));
  const ports = await freePorts(2 * n);
  const { configPath } = await writeCluster({
    nodes: n, outDir: dir, hosts: ['127.0.0.1'], basePort: 0, baseHttpPort: 0, params: setup.params,
    ports: Array.from({ length: n }, (_, i) => ({ port: ports[2 * i]!, httpPort: ports[2 * i + 1]! })),
  });
  const cli = resolve(import.meta.dirname, 'main.js');
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(3).padStart(7)}s`;
  const live = new Map<number, Launched>();
  const everLaunched: Launched[] = [];
  const seen = new Map<number, number>(); // process -> last indication seq of its current incarnation
  const delivered: { process: number; time: number; indication: Tagged }[] = [];
  const history: string[] = [];
  const showIndication = app === 'kv' ? showKv : show;
  const say = (line: string) => {
    history.push(line);
    if (!args.json) io.out(line);
  };
  const launch = (id: number) => {
    const node = launchNode({
      cli, spec: resolve(args.spec), config: configPath, id, logFile: join(dir, `node-${id}.log`),
      extraArgs: ['--tick-ms', String(args.tickMs), ...(args.protocol === undefined ? [] : ['--protocol', args.protocol]), ...(app === undefined ? [] : ['--app', app]), ...(byzantine.has(id) ? ['--byzantine', byzantine.get(id)!, '--byzantine-seed', String(args.byzantineSeed ?? 1)] : [])],
      onLog: (entry) => {
        if (args.verbose || entry['level'] === 'error' || (entry['level'] === 'warn' && entry['event'] !== 'handshake-refused')) io.err(JSON.stringify(entry));
      },
    });
    live.set(id, node);
    everLaunched.push(node);
    seen.set(id, 0);
    return node;
  };

  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  let exitCode = 0;
  const status: Record<number, unknown> = {};
  const stores: Record<number, { applied: number; entries: Record<string, number> }> = {};
  try {
    say(`${elapsed()} starting ${n} processes of ${module.name} (${Object.entries(setup.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}) in ${dir}`);
    for (let id = 0; id < n; id++) launch(id);
    await Promise.all([...live.values()].map((node) => node.ready));
    say(`${elapsed()} all ${n} processes ready; workload: ${setup.workloadSource}`);
    const t0 = Date.now();
    const poll = async (only?: Launched) => {
      await Promise.all(
        (only === undefined ? [...live.values()] : [only]).map(async (node) => {
          const url = await node.ready.catch(() => undefined);
          if (url === undefined || live.get(node.id) !== node) return;
          try {
            const { indications } = await new RioClient(url).indications(seen.get(node.id) ?? 0);
            for (const record of indications) {
              if (live.get(node.id) !== node) return;
              seen.set(node.id, record.seq);
              delivered.push({ process: node.id, time: Date.now() - t0, indication: record.indication as Tagged });
              say(`${elapsed()} p${node.id} ${showIndication(record.indication as Tagged)}`);
            }
          } catch {
            // a process that was just killed does not answer
          }
        }),
      );
    };
    let next = 0;
    while (!interrupted) {
      const now = Date.now() - t0;
      while (next < actions.length && actions[next]!.at * args.tickMs <= now) {
        const action = actions[next++]!;
        const node = live.get(action.process);
        if (action.kind === 'request') {
          if (node === undefined) {
            say(`${elapsed()} request ${show(action.request)} on p${action.process}: not sent, the process is down`);
            continue;
          }
          try {
            await new RioClient(await node.ready).request(action.request);
            say(`${elapsed()} request ${show(action.request)} on p${action.process}`);
          } catch (error) {
            say(`${elapsed()} request ${show(action.request)} on p${action.process} refused: ${(error as Error).message}`);
          }
        } else if (action.kind === 'kv') {
          if (node === undefined) {
            say(`${elapsed()} p${action.process} ${describeOp(action.op)}: not sent, the process is down`);
            continue;
          }
          const url = await node.ready;
          // One client per process incarnation, numbered apart so that operation ids never clash.
          const client = kvClient.get(node) ?? new KvClient(url, kvClient.size);
          kvClient.set(node, client);
          const sent = Date.now();
          const { process: at, op } = action;
          kvRuns.push(client.run(op).then((outcome) => {
            const ms = Date.now() - sent;
            kvDone.push({ process: at, op: describeOp(op), input: op, outcome, sentMs: sent - t0, ms });
            say(`${elapsed()} p${at} ${describeOp(op)} → ${outcome.ok ? `${JSON.stringify(outcome.result)} (log index ${outcome.index}, ${ms} ms)` : `no answer (${outcome.reason}; it may still take effect)`}`);
          }));
        } else {
          if (node !== undefined) {
            await poll(node); // what it indicated before it dies is reported
            live.delete(action.process);
            node.child.kill('SIGKILL');
            await node.exited;
            say(`${elapsed()} p${action.process} killed (SIGKILL)`);
          }
          if (action.kind === 'restart') {
            const again = launch(action.process);
            await again.ready;
            say(`${elapsed()} p${action.process} restarted${again.logs.some((l) => l['event'] === 'recovered') ? ' (durable state recovered)' : ''}`);
          }
        }
      }
      await poll();
      if (next >= actions.length && Date.now() - t0 >= durationMs) break;
      if (next >= actions.length && args.untilEach !== undefined && [...live.keys()].every((id) => delivered.filter((d) => d.process === id).length >= args.untilEach!)) {
        say(`${elapsed()} every process that is up made ${args.untilEach} indication${args.untilEach === 1 ? '' : 's'}: stopping`);
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    if (!interrupted) await Promise.all(kvRuns);
    await poll();
    if (interrupted) {
      say(`${elapsed()} interrupted`);
      exitCode = 130;
    }
    if (app === 'kv') {
      for (const node of live.values()) {
        try {
          const res = await fetch(new URL('/kv', await node.ready));
          const { applied, entries } = (await res.json()) as { applied: number; entries: Record<string, number> };
          stores[node.id] = { applied, entries };
        } catch {
          // gone
        }
      }
    }
    for (const node of live.values()) {
      try {
        status[node.id] = await new RioClient(await node.ready).status();
      } catch {
        // gone
      }
    }
  } catch (error) {
    io.err(`rio: cluster failed: ${(error as Error).message}`);
    exitCode = 1;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    await Promise.all(everLaunched.map((node) => stopNode(node)));
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
  }
  const perProcess = Array.from({ length: n }, (_, id) => ({
    process: id,
    up: live.has(id),
    indications: delivered.filter((d) => d.process === id).map((d) => d.indication),
    counters: (status[id] as { counters?: unknown } | undefined)?.counters ?? null,
    ...(byzantine.has(id) ? { byzantine: (status[id] as { byzantine?: unknown } | undefined)?.byzantine ?? byzantine.get(id)! } : {}),
    ...(app === 'kv' ? { store: stores[id] ?? null } : {}),
  }));
  if (args.json) {
    io.out(JSON.stringify({ protocol: module.name, params: setup.params, processes: perProcess, ...(app === 'kv' ? { kv: kvDone } : {}), exitCode, ...(args.keep ? { dir } : {}) }));
  } else {
    io.out(`summary: ${n} processes, ${delivered.length} indication${delivered.length === 1 ? '' : 's'} in ${((Date.now() - started) / 1000).toFixed(1)} s${args.keep ? `; keys, databases and logs kept in ${dir}` : ''}`);
    for (const p of perProcess) {
      const c = p.counters as Record<string, number> | null;
      const counts = c === null ? '' : `  (received ${c['received']}, sent ${c['sent']}, dropped ${c['droppedMalformed']! + c['droppedOversize']! + c['droppedIllTyped']!})`;
      const made = app === 'kv' ? `${p.indications.length} indication${p.indications.length === 1 ? '' : 's'}` : p.indications.map(show).join(' ') || '-';
      const b = p.byzantine as { halves?: number[][]; corrupted?: number } | undefined;
      const lies = b?.halves === undefined ? '' : ` (changed versions to ${b.halves[1]!.map((q) => `p${q}`).join(', ')}: ${b.corrupted} messages corrupted)`;
      io.out(`  p${p.process} ${p.up ? 'up  ' : 'down'} ${made}${counts}${byzantine.has(p.process) ? `  Byzantine: ${byzantine.get(p.process)}${lies}` : ''}`);
    }
    if (app === 'kv') {
      const answered = kvDone.filter((d) => d.outcome.ok).length;
      io.out(`key-value store: ${answered} of ${kvDone.length} operation${kvDone.length === 1 ? '' : 's'} answered`);
      for (const [id, store] of Object.entries(stores)) {
        io.out(`  p${id} store ${JSON.stringify(Object.fromEntries(Object.entries(store.entries).map(([k, v]) => [`k${k}`, v])))} (applied up to log index ${store.applied})`);
      }
    }
  }
  return exitCode;
}
