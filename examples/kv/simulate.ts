/**
 * The replicated key-value store in the simulator: client operations become `submit`
 * requests of a replication protocol (Raft or Multi-Paxos, both generated from their specs),
 * the seeded simulator runs them with its faults and network, and the run is replayed
 * through a world whose `apply` indications drive one `KvReplica` per process. The result is
 * the history of the clients' operations, for the linearizability checker:
 *
 * - an operation is invoked at the step where its server takes the request, and returns
 *   at the step where that server applies the command, with the result its store computed;
 * - an operation whose server never applies it (it crashed) stays pending;
 * - an operation whose server is down when the request comes is never invoked (left out).
 *
 * Timestamps are step indexes of the run, which order every event strictly.
 */
import type { Operation } from '../../runtime/lin/check.js';
import type { ProtocolModule } from '../../runtime/replica/contract.js';
import type { Process } from '../../runtime/replica/values.js';
import type { FaultPlan, NetworkConfig } from '../../runtime/sim/config.js';
import { simulate, type SimResult } from '../../runtime/sim/simulate.js';
import { World } from '../../runtime/world/world.js';
import { encodeCommand, type KvOp, type KvResult } from './command.js';
import { KvReplica, type Applied } from './replica.js';

export interface ClientOp {
  /** The client, for reports. */
  readonly client: number;
  /** The server the client sends the operation to. */
  readonly server: Process;
  readonly at: number;
  readonly op: KvOp;
}

export interface KvRunConfig {
  readonly module: ProtocolModule<any, any>;
  readonly params: Record<string, unknown>;
  readonly seed: number;
  readonly network: NetworkConfig;
  readonly faults: FaultPlan;
  readonly ops: readonly ClientOp[];
  readonly horizon: number;
  readonly maxEvents: number;
  /**
   * A deliberately wrong variant for tests of the checker: a server answers a get at once
   * from its own store instead of ordering it through the protocol (a stale read when the
   * server lags behind the leader).
   */
  readonly localReads?: boolean;
}

export interface KvRun {
  readonly sim: SimResult;
  readonly history: Operation<KvOp, KvResult>[];
  readonly replicas: readonly KvReplica[];
  /** Operations whose server was down when the request came. */
  readonly notInvoked: number;
}

export function runKv(config: KvRunConfig): KvRun {
  const { module, params } = config;
  // Operation i has id i + 1 (ids start at 1, so that no command is 0).
  const workload = config.ops.map((c, i) => ({ at: c.at, process: c.server, request: { type: 'submit', command: encodeCommand({ id: i + 1, op: c.op }) } }));
  const local = (i: number) => config.localReads === true && config.ops[i]!.op.kind === 'get';
  const sim = simulate({
    module, params, seed: config.seed, network: config.network, faults: config.faults, workload,
    maxEvents: config.maxEvents, horizon: config.horizon, values: 2, record: true,
  });
  const world = new World(module, params);
  const processes = module.processCount(params as never);
  const replicas = Array.from({ length: processes }, () => new KvReplica());
  const byCommand = new Map(workload.map((w, i) => [w.request.command, i] as const));
  const calls: (number | undefined)[] = config.ops.map(() => undefined);
  const returns: ({ ret: number; output: KvResult } | undefined)[] = config.ops.map(() => undefined);
  sim.trace.forEach((step, index) => {
    if (!world.isPossible(step.event)) return;
    const outcome = world.apply(step.event, step.choices);
    const event = step.event;
    if (event.kind === 'request' && event.request.type === 'submit') {
      const op = byCommand.get(event.request['command'] as number);
      if (op !== undefined && calls[op] === undefined) {
        calls[op] = index;
        // A local read returns within its step, with what the server's store holds now.
        if (local(op)) returns[op] = { ret: index + 0.5, output: replicas[event.process]!.store.get(config.ops[op]!.op.key) ?? null };
      }
    }
    const at = event.kind === 'deliver' ? event.to : 'process' in event ? event.process : undefined;
    if (at === undefined) return;
    for (const effect of outcome.effects) {
      if (effect.kind !== 'indicate' || effect.indication.type !== 'apply') continue;
      const applied: Applied | undefined = replicas[at]!.onApply(effect.indication['index'] as number, effect.indication['command'] as number);
      if (applied === undefined) continue;
      const op: number = applied.command.id - 1;
      if (config.ops[op]?.server === at && calls[op] !== undefined && returns[op] === undefined) returns[op] = { ret: index, output: applied.result };
    }
  });
  const history: Operation<KvOp, KvResult>[] = [];
  config.ops.forEach((c, i) => {
    const call = calls[i];
    if (call === undefined) return;
    const done = returns[i];
    history.push(done === undefined ? { client: c.client, input: c.op, call } : { client: c.client, input: c.op, call, ret: done.ret, output: done.output });
  });
  return { sim, history, replicas, notInvoked: calls.filter((c) => c === undefined).length };
}
