/**
 * Deterministic discrete-event simulation of a protocol's generated replicas.
 *
 * One seed determines everything: delays, losses, duplications, Byzantine messages and
 * every `random`/`choose` in the replicas, all drawn from one `Rng`. Events are processed
 * in time order (ties by scheduling order). `always` properties are checked after every
 * step that changed a state; `eventually` properties at the end, if the run ended stable
 * (after the global stabilisation time, with partitions healed and no events pending, or
 * at the horizon).
 *
 * ```ts
 * const result = simulate({ module: BrachaBroadcast, params: { n: 4, f: 1, sender: 0 }, seed: 1,
 *   network: defaultNetwork, faults: { crashes: [], byzantine: [] },
 *   workload: [{ at: 0, process: 0, request: { type: 'broadcast', m: 7 } }],
 *   maxEvents: 10_000, horizon: 1_000, values: 2, record: true });
 * result.verdict;   // 'ok'
 * ```
 */
import type { Effect, Input, Wire } from '../replica/contract.js';
import { Rng } from '../replica/rng.js';
import { encode, type Process } from '../replica/values.js';
import { World, type Outcome, type WorldEvent } from '../world/world.js';
import { ShadowAdversary, shadowStrategies, type ShadowStrategy } from './adversary.js';
import type { ByzantineStrategy, SimConfig } from './config.js';
import { randomMessage, type Domain } from './domain.js';
import { EventQueue } from './heap.js';

/** One step of a run, as recorded in traces. */
export interface TraceStep {
  readonly t: number;
  readonly event: WorldEvent;
  readonly choices: readonly number[];
}

export interface Violation {
  readonly property: string;
  readonly kind: 'always' | 'eventually' | 'assertion';
  /** Index of the step after which it was seen (the number of steps for `eventually`). */
  readonly step: number;
  readonly time: number;
  readonly message: string;
}

export interface SimResult {
  readonly verdict: 'ok' | 'violation';
  readonly violation?: Violation;
  readonly steps: number;
  readonly delivered: number;
  readonly endTime: number;
  /** Why the run ended. */
  readonly ended: 'quiescent' | 'horizon' | 'maxEvents' | 'violation';
  readonly trace: readonly TraceStep[];
  /** `eventually` properties were judged (the run ended stable). */
  readonly livenessChecked: boolean;
  /** Per sender, the messages dropped by their validity predicates (protocol violations of Byzantine senders). */
  readonly invalid: readonly { readonly sender: Process; readonly messages: number }[];
  /** What each protocol-following Byzantine process did: messages corrupted, signatures forged. */
  readonly adversaries: readonly { readonly process: Process; readonly strategy: ByzantineStrategy; readonly corrupted: number; readonly forged: number }[];
}

type Scheduled =
  | { readonly kind: 'event'; readonly event: WorldEvent }
  | { readonly kind: 'timer'; readonly process: Process; readonly timer: string; readonly args: readonly unknown[]; readonly generation: number; readonly key: string }
  | { readonly kind: 'byzantineTick'; readonly process: Process }
  /** An input to a copy of a protocol-following Byzantine process (adversary.ts). */
  | { readonly kind: 'shadow'; readonly process: Process; readonly copy: number; readonly input: Input; readonly key?: string; readonly generation?: number };

const BYZANTINE_BUDGET = 40;

/** Runs one simulation. */
export function simulate(config: SimConfig): SimResult {
  const rng = new Rng(config.seed);
  const byzantine = config.faults.byzantine.map((b) => b.process);
  const world = new World(config.module, config.params, { byzantine, trackNetwork: false, ...(config.replicaFactory === undefined ? {} : { replicaFactory: config.replicaFactory }) }, (count) => rng.below(count));
  const strategies = new Map<Process, ByzantineStrategy>(config.faults.byzantine.map((b) => [b.process, b.strategy]));
  const queue = new EventQueue<Scheduled>();
  const trace: TraceStep[] = [];
  const timerGenerations = new Map<string, number>();
  const seen = new Map<Process, Wire[]>();
  const budget = new Map<Process, number>(byzantine.map((p) => [p, BYZANTINE_BUDGET]));
  const net = config.network;
  let steps = 0;
  let delivered = 0;
  let now = 0;

  for (const p of world.processes) if (!byzantine.includes(p)) queue.push(0, { kind: 'event', event: { kind: 'start', process: p } });
  for (const w of config.workload) queue.push(w.at, { kind: 'event', event: { kind: 'request', process: w.process, request: w.request } });
  for (const c of config.faults.crashes) queue.push(c.at, { kind: 'event', event: { kind: 'crash', process: c.process } });
  for (const r of config.faults.restarts ?? []) queue.push(r.at, { kind: 'event', event: { kind: 'restart', process: r.process } });
  for (const b of config.faults.byzantine) {
    if (b.strategy === 'equivocate' || b.strategy === 'arbitrary') queue.push(0, { kind: 'byzantineTick', process: b.process });
  }
  // Protocol-following Byzantine processes: their shadow replicas start with everyone.
  const correct = world.processes.filter((p) => !byzantine.includes(p));
  const shadows = new Map<Process, ShadowAdversary>();
  for (const b of config.faults.byzantine) {
    if (!(shadowStrategies as readonly string[]).includes(b.strategy)) continue;
    const adversary = new ShadowAdversary(config.module, config.params, b.process, b.strategy as ShadowStrategy, b.types ?? [], correct, world.processes, config.values, rng);
    shadows.set(b.process, adversary);
    adversary.copies.forEach((_, copy) => queue.push(0, { kind: 'shadow', process: b.process, copy, input: { kind: 'start' } }));
  }
  const shadowTimers = new Map<string, number>();
  const invalid = new Map<Process, number>();

  const domainFor = (p: Process): Domain => ({ values: config.values, processes: world.processes, signer: p });
  const partitioned = (from: Process, to: Process, t: number) =>
    net.partitions.some((part) => t >= part.from && t < part.to && part.groups.findIndex((g) => g.includes(from)) !== part.groups.findIndex((g) => g.includes(to)));

  /** Puts a sent message on the simulated network: delay, loss, duplication. */
  const transmit = (from: Process, to: Process, message: Wire) => {
    const unstable = now < net.gst;
    const delay = net.minDelay + rng.below(net.maxDelay - net.minDelay + 1);
    if (unstable && net.loss > 0 && rng.chance(net.loss)) {
      queue.push(now + delay, { kind: 'event', event: { kind: 'lose', from, to, message } });
      return;
    }
    if (unstable && net.duplicate > 0 && rng.chance(net.duplicate)) {
      queue.push(now, { kind: 'event', event: { kind: 'duplicate', from, to, message } });
      queue.push(now + net.minDelay + rng.below(net.maxDelay - net.minDelay + 1), { kind: 'event', event: { kind: 'deliver', from, to, message } });
    }
    queue.push(now + delay, { kind: 'event', event: { kind: 'deliver', from, to, message } });
  };

  const record = (event: WorldEvent, outcome: Outcome) => {
    if (config.record) trace.push({ t: now, event, choices: outcome.choices });
  };

  const byzantineSend = (from: Process, to: Process, message: Wire) => {
    const left = budget.get(from) ?? 0;
    if (left <= 0) return;
    budget.set(from, left - 1);
    const event: WorldEvent = { kind: 'inject', from, to, message };
    const outcome = world.apply(event);
    steps++;
    record(event, outcome);
    transmit(from, to, message);
  };

  /** A protocol-following Byzantine process's message on the network. */
  const shadowSend = (from: Process, to: Process, message: Wire) => {
    const event: WorldEvent = { kind: 'inject', from, to, message };
    const outcome = world.apply(event);
    steps++;
    record(event, outcome);
    transmit(from, to, message);
  };

  /** Runs one input on a copy of a protocol-following Byzantine process and routes its effects. */
  const runShadow = (adversary: ShadowAdversary, copy: number, input: Input) => {
    const p = adversary.self;
    const result = adversary.copies[copy]!.handle(input);
    for (const effect of result.effects as Effect[]) {
      switch (effect.kind) {
        case 'send':
          if (effect.to === p) {
            // Its messages to itself stay with the copy that sent them.
            queue.push(now + net.minDelay, { kind: 'shadow', process: p, copy, input: { kind: 'receive', from: p, message: effect.message } });
            break;
          }
          for (const [to, message] of adversary.route(copy, effect.to, effect.message)) shadowSend(p, to, message);
          break;
        case 'startTimer': {
          const key = `${p}|${copy}|${effect.timer}|${encode(effect.args)}`;
          const generation = (shadowTimers.get(key) ?? 0) + 1;
          shadowTimers.set(key, generation);
          queue.push(now + Math.max(0, effect.delay), { kind: 'shadow', process: p, copy, input: { kind: 'timeout', timer: effect.timer, args: effect.args }, key, generation });
          break;
        }
        case 'cancelTimer':
          shadowTimers.delete(`${p}|${copy}|${effect.timer}|${encode(effect.args)}`);
          break;
        case 'indicate':
          break;
      }
    }
  };

  /** What a Byzantine process does when it receives a message or its tick comes. */
  const actByzantine = (p: Process, received?: Wire) => {
    const strategy = strategies.get(p) ?? 'silent';
    const messages = config.module.messages;
    if (messages.length === 0) return;
    switch (strategy) {
      case 'silent':
        return;
      case 'replay': {
        if (received === undefined) return;
        const list = seen.get(p) ?? [];
        list.push(received);
        seen.set(p, list);
        // Replays an old message (as its own) to a random peer.
        byzantineSend(p, rng.pick(world.processes), rng.pick(list));
        return;
      }
      case 'equivocate': {
        // Different well-typed messages of one type to different peers.
        const desc = received === undefined ? rng.pick(messages) : messages.find((m) => m.name === received.type) ?? rng.pick(messages);
        for (const q of world.processes) if (q !== p) byzantineSend(p, q, randomMessage(desc, domainFor(p), rng));
        return;
      }
      case 'arbitrary':
        byzantineSend(p, rng.pick(world.processes), randomMessage(rng.pick(messages), domainFor(p), rng));
        return;
    }
  };

  const finish = (ended: SimResult['ended'], violation?: Violation): SimResult => {
    const stable = ended !== 'maxEvents' && ended !== 'violation' && now >= net.gst && net.partitions.every((part) => part.to <= now);
    if (violation === undefined && stable) {
      const unmet = world.unmetLiveness();
      if (unmet.length > 0) {
        violation = { property: unmet[0]!, kind: 'eventually', step: steps, time: now, message: `'${unmet[0]}' does not hold at the end of the run (t=${now}, stable since t=${Math.max(net.gst, ...net.partitions.map((p) => p.to))})` };
      }
    }
    return {
      verdict: violation === undefined ? 'ok' : 'violation',
      ...(violation === undefined ? {} : { violation }),
      steps, delivered, endTime: now, ended: violation?.kind === 'eventually' ? ended : violation === undefined ? ended : 'violation',
      trace, livenessChecked: stable,
      invalid: [...invalid].sort((a, b) => a[0] - b[0]).map(([sender, messages]) => ({ sender, messages })),
      adversaries: [...shadows.values()].map((a) => ({ process: a.self, strategy: a.strategy, corrupted: a.corrupted, forged: a.forged })),
    };
  };

  for (;;) {
    if (steps >= config.maxEvents) return finish('maxEvents');
    const next = queue.pop();
    if (next === undefined) return finish('quiescent');
    if (next.time > config.horizon) {
      now = config.horizon;
      return finish('horizon');
    }
    now = next.time;
    const item = next.value;
    let event: WorldEvent;
    if (item.kind === 'byzantineTick') {
      if ((budget.get(item.process) ?? 0) > 0) {
        actByzantine(item.process);
        queue.push(now + net.maxDelay * 2, item);
      }
      continue;
    }
    if (item.kind === 'shadow') {
      const adversary = shadows.get(item.process)!;
      if (item.key !== undefined) {
        if (shadowTimers.get(item.key) !== item.generation) continue; // cancelled or restarted
        shadowTimers.delete(item.key);
      }
      runShadow(adversary, item.copy, item.input);
      if (steps >= config.maxEvents) return finish('maxEvents');
      // Its messages change no correct state until delivered: no property to check here.
      continue;
    }
    if (item.kind === 'timer') {
      if (timerGenerations.get(item.key) !== item.generation) continue; // cancelled or restarted
      timerGenerations.delete(item.key);
      event = { kind: 'timeout', process: item.process, timer: item.timer, args: item.args as never };
    } else {
      event = item.event;
    }
    if (event.kind === 'deliver' && partitioned(event.from, event.to, now)) event = { kind: 'lose', from: event.from, to: event.to, message: event.message };
    if (event.kind === 'request' && shadows.has(event.process)) {
      // A request at a protocol-following Byzantine process goes to its copies.
      const adversary = shadows.get(event.process)!;
      const request = event.request;
      adversary.copies.forEach((_, copy) => runShadow(adversary, copy, { kind: 'request', request: adversary.requestFor(copy, request) }));
      continue;
    }
    if (!world.isPossible(event)) continue;
    const outcome = world.apply(event);
    steps++;
    record(event, outcome);
    for (const r of outcome.rejected ?? []) invalid.set(r.from, (invalid.get(r.from) ?? 0) + 1);
    if (event.kind === 'deliver') {
      delivered++;
      const adversary = shadows.get(event.to);
      if (adversary !== undefined) {
        const { from, message } = event;
        adversary.observe(message);
        adversary.copies.forEach((_, copy) => {
          const delay = adversary.delayFor(copy, net.maxDelay);
          if (delay === 0) runShadow(adversary, copy, { kind: 'receive', from, message });
          else queue.push(now + delay, { kind: 'shadow', process: event.to, copy, input: { kind: 'receive', from, message } });
        });
      } else if (byzantine.includes(event.to)) actByzantine(event.to, event.message);
    }
    if (outcome.error !== undefined) {
      return finish('violation', { property: 'assertion', kind: 'assertion', step: steps - 1, time: now, message: outcome.error });
    }
    const p = 'process' in event ? event.process : event.kind === 'deliver' ? event.to : -1;
    for (const effect of outcome.effects) {
      switch (effect.kind) {
        case 'send':
          transmit(p, effect.to, effect.message);
          break;
        case 'startTimer': {
          const key = `${p}|${effect.timer}|${encode(effect.args)}`;
          const generation = (timerGenerations.get(key) ?? 0) + 1;
          timerGenerations.set(key, generation);
          queue.push(now + Math.max(0, effect.delay), { kind: 'timer', process: p, timer: effect.timer, args: effect.args, generation, key });
          break;
        }
        case 'cancelTimer':
          timerGenerations.delete(`${p}|${effect.timer}|${encode(effect.args)}`);
          break;
        case 'indicate':
          break;
      }
    }
    if (outcome.firings.length > 0 || event.kind === 'crash' || event.kind === 'restart') {
      const violated = world.violatedSafety();
      if (violated !== undefined) {
        return finish('violation', { property: violated, kind: 'always', step: steps - 1, time: now, message: `'${violated}' does not hold after step ${steps - 1} (t=${now})` });
      }
    }
  }
}
