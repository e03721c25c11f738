/**
 * One real process of a protocol: a `Replica` fed by the network, the application API and
 * real clocks, with its durable variables in SQLite.
 *
 * A step is: feed one input to the replica; write the durable variables that changed (one
 * transaction, on disk when it returns); only then carry out the step's effects: messages
 * to peers (or to itself, fed back as a later input), indications to the API, timers on
 * the clock (a spec's time unit is `tickMs` milliseconds). Inputs are handled one at a time,
 * in arrival order; the replica never reads the clock or the network itself.
 *
 * Group commit: the steps of the inputs that arrive in one turn of the event loop (frames
 * read from the sockets, API requests, timers) share one durable write, made once the turn's
 * I/O is handled (`setImmediate`); their effects wait for it and then leave in step order.
 * The write's fsync runs off the event loop (DurableStore.sync); while it is under way the
 * process goes on handling inputs, whose steps form the next group, written when the fsync
 * is done (one fsync at a time, so groups grow with the load, as in a database's group
 * commit). An effect still never leaves before the state it depends on is on disk, and a
 * crash loses the groups not yet synced as it would lose single steps: no effect of them has
 * been seen. The replica itself is unchanged and stepped exactly as before; only the writes
 * are grouped. A step that changed no durable variable needs no write of its own: once every
 * earlier step's state is on disk its effects leave, without waiting for the write of the
 * steps that came with or after it (a leader's commit, a follower's reply to a heartbeat).
 *
 * Restart, as the language defines it (docs/language.md, section 11, "Restarts"): a process
 * whose database exists is rebuilt from the initial state with its durable variables
 * overwritten from the database; its volatile state (messages received, rules fired,
 * non-durable variables, timers, its API's indication log) is lost; then its `start` rules
 * run again, as when a server boots, exactly as the simulator restarts a process. A spec
 * whose start rules must not act twice guards them with durable state.
 *
 * Messages peers sent while it was down wait in their bounded queues and arrive after the
 * restart. The model says such messages are lost, but no correct process can tell this from
 * a schedule where it crashed only after they were sent (and they were in flight), so the
 * runtime stays within the behaviours the simulator checks.
 */
import { randomInt } from 'node:crypto';
import type { Chooser, Effect, Input, ProtocolModule, Tagged } from '../replica/contract.js';
import { realCrypto } from '../replica/crypto.js';
import { Replica } from '../replica/engine.js';
import { encode, SpecError, type Data } from '../replica/values.js';
import { byzantineRole, type ByzantineMode, type ByzantineRole } from './byzantine.js';
import type { ClusterConfig, NodeKeys } from './config.js';
import type { Logger } from './log.js';
import { DurableStore, StoreError } from './store.js';
import { Transport, type PeerStats } from './transport.js';
import { checkEvent, checkWire, type ValidationLimits } from './validate.js';

export interface HostOptions {
  readonly module: ProtocolModule<any, any>;
  readonly params: Record<string, Data>;
  readonly config: ClusterConfig;
  readonly self: number;
  readonly keys: NodeKeys;
  /** The SQLite file of this process's durable state. */
  readonly dataPath: string;
  readonly log: Logger;
  /** Milliseconds per time unit of the spec (timers). */
  readonly tickMs: number;
  readonly maxFrame?: number;
  readonly maxQueue?: number;
  readonly maxFramesPerSecond?: number;
  readonly listenHost?: string;
  /**
   * Called when the durable state cannot be written: the process stops handling inputs and
   * releases nothing more (fail-stop); the caller should exit. Default: log only.
   */
  readonly onFatal?: (error: Error) => void;
  /** Play Byzantine (byzantine.ts): the spec's replica, its sends corrupted by this strategy; halves drawn from `seed`. */
  readonly byzantine?: ByzantineMode & { readonly seed: number };
}

/** An indication with its position in this process's log. */
export interface IndicationRecord {
  readonly seq: number;
  readonly time: string;
  readonly indication: Tagged;
}

export interface Counters {
  received: number;
  sent: number;
  requests: number;
  indications: number;
  droppedMalformed: number;
  droppedOversize: number;
  droppedIllTyped: number;
  specErrors: number;
  /** Inputs whose handling failed for another reason than the spec's (a bug in rio): logged, the process goes on. */
  internalErrors: number;
  durableCommits: number;
}

/** Real randomness for `choose` and `random` (the simulator and model checker own theirs). */
const randomChooser: Chooser = { choose: (count) => randomInt(count) };

export class ProcessHost {
  readonly replica: Replica;
  readonly role: string | undefined;
  readonly durable: readonly string[];
  private readonly store: DurableStore;
  private readonly transport: Transport;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Set when this process plays Byzantine. */
  readonly byzantine: ByzantineRole | undefined;
  private readonly log: Logger;
  private readonly limits: ValidationLimits;
  readonly indications: IndicationRecord[] = [];
  private readonly listeners = new Set<(record: IndicationRecord) => void>();
  readonly counters: Counters = {
    received: 0, sent: 0, requests: 0, indications: 0, droppedMalformed: 0, droppedOversize: 0, droppedIllTyped: 0, specErrors: 0, internalErrors: 0, durableCommits: 0,
  };
  /** True when this process recovered durable state at start-up. */
  readonly recovered: boolean;
  private stopped = false;
  /**
   * Steps handled since the last durable write, with their effects and whether they changed
   * durable state; their effects leave after the next write, or, for the steps before the
   * first that changed durable state, as soon as every earlier write is on disk.
   */
  private unreleased: { readonly effects: readonly Effect[]; readonly durable: boolean }[] = [];
  /** The durable variables after the last step (to tell whether a step changed any). */
  private stepVars: Record<string, Data> = {};
  private unsavedMeta: Record<string, string> = {};
  private flushScheduled = false;
  /** An fsync is under way; the next group waits for it. */
  private syncing = false;
  private stopping = false;
  /** The durable variables as last written (values are immutable: a change is a new object). */
  private savedVars: Record<string, Data> = {};

  constructor(private readonly options: HostOptions) {
    const { module, params, config, self, keys } = options;
    this.log = options.log;
    const crypto = realCrypto({ privateKeyPem: keys.signingKey, publicKeysPem: config.nodes.map((n) => n.signingKey), self });
    this.byzantine = options.byzantine === undefined ? undefined : byzantineRole(module, params, self, options.byzantine, crypto, options.byzantine.seed);
    this.replica = this.byzantine?.replica ?? new Replica(module, params, self, { chooser: randomChooser, crypto });
    this.role = this.replica.role;
    this.durable = module.durableVariables?.[this.role ?? ''] ?? [];
    this.limits = { processCount: module.processCount(params as never), maxDepth: 32 };
    this.store = new DurableStore(options.dataPath);
    const identity = JSON.stringify({ protocol: module.name, sourceHash: module.sourceHash, self, params: encode(params) });
    const stored = this.store.meta('identity');
    if (stored !== undefined && stored !== identity) {
      this.store.close();
      throw new StoreError(`the state database '${options.dataPath}' belongs to another process, protocol, spec version or parameter set (${stored}); give another --data file or remove it`);
    }
    this.recovered = stored !== undefined;
    if (this.recovered) {
      const saved = this.store.load();
      const known = Object.fromEntries(Object.entries(saved).filter(([name]) => this.durable.includes(name)));
      this.replica.state = { ...this.replica.state, vars: { ...this.replica.state.vars, ...known } };
      this.log.log('info', 'recovered', { vars: known });
    } else {
      this.store.save({}, { identity });
    }
    for (const name of this.durable) this.savedVars[name] = this.replica.vars[name] as Data;
    this.stepVars = { ...this.savedVars };
    this.transport = new Transport({
      config, self, keys, log: this.log,
      onFrame: (from, value) => this.onFrame(from, value),
      onBadFrame: (from, kind, detail) => {
        if (kind === 'oversize') this.counters.droppedOversize++;
        else this.counters.droppedMalformed++;
        this.log.log('warn', `dropped-${kind}`, { peer: from, detail });
      },
      ...(options.maxFrame === undefined ? {} : { maxFrame: options.maxFrame }),
      ...(options.maxQueue === undefined ? {} : { maxQueue: options.maxQueue }),
      ...(options.maxFramesPerSecond === undefined ? {} : { maxFramesPerSecond: options.maxFramesPerSecond }),
      ...(options.listenHost === undefined ? {} : { listenHost: options.listenHost }),
    });
  }

  /** Connects to the peers and handles `start` (on a fresh database and after a restart alike). */
  async start(): Promise<void> {
    await this.transport.start();
    this.step({ kind: 'start' }, { starts: String(Number(this.store.meta('starts') ?? '0') + 1) });
    this.flush(true);
    this.log.log('info', 'started', { role: this.role ?? null, recovered: this.recovered, durable: this.durable });
  }

  private onFrame(from: number, value: unknown): void {
    if (this.stopped) return;
    const problem = checkWire(this.options.module, value, this.limits);
    if (problem !== null) {
      this.counters.droppedIllTyped++;
      this.log.log('warn', 'dropped-ill-typed', { peer: from, problem });
      return;
    }
    this.counters.received++;
    this.byzantine?.adversary.observe(value as Tagged);
    try {
      this.step({ kind: 'receive', from, message: value as Tagged });
    } catch (error) {
      // A well-typed message must never crash the process, even through a bug of ours.
      this.counters.internalErrors++;
      this.log.log('error', 'internal-error', { peer: from, message: value, reason: String((error as Error).stack ?? error) });
    }
  }

  /** Why a request would be refused, or null when it is a well-typed request this process takes. */
  checkRequest(value: unknown): string | null {
    const problem = checkEvent(this.options.module.requests, value, this.limits, `request of ${this.options.module.name}`);
    if (problem !== null) return problem;
    const desc = this.options.module.requests.find((r) => r.name === (value as Tagged).type)!;
    const allowed = desc.at?.(this.options.params as never);
    if (allowed !== undefined && !allowed.includes(this.options.self)) {
      return `request '${desc.name}' is taken only at process${allowed.length === 1 ? '' : 'es'} ${allowed.join(', ')}; this is process ${this.options.self}`;
    }
    return null;
  }

  /** Feeds a checked request (see `checkRequest`). */
  request(request: Tagged): void {
    this.counters.requests++;
    this.step({ kind: 'request', request });
  }

  private step(input: Input, meta: Record<string, string> = {}): void {
    if (this.stopped) return;
    let effects: Effect[];
    try {
      effects = this.replica.handle(input).effects;
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      // The spec's own error (a failed assert, Nat underflow): the step is lost, the process goes on.
      this.counters.specErrors++;
      this.log.log('error', 'spec-error', { input: input.kind, message: error.message });
      return;
    }
    Object.assign(this.unsavedMeta, meta);
    let durable = Object.keys(meta).length > 0;
    for (const name of this.durable) {
      const value = this.replica.vars[name] as Data;
      if (value !== this.stepVars[name]) {
        this.stepVars[name] = value;
        durable = true;
      }
    }
    this.unreleased.push({ effects, durable });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * Writes what the steps since the last write changed and, once it is on disk, releases
   * their effects: at once when `now` (start-up, shutdown), else with an fsync off the event
   * loop, unless one is under way (its completion flushes again).
   */
  private flush(now = false): void {
    this.flushScheduled = false;
    if (this.stopped || (this.syncing && !now)) return;
    // Every earlier write is on disk: the steps before the first one that changed durable
    // state depend on nothing that is not, so their effects leave now.
    let ready = 0;
    while (ready < this.unreleased.length && !this.unreleased[ready]!.durable) ready++;
    if (ready > 0) {
      const done = this.unreleased.splice(0, ready);
      for (const step of done) for (const effect of step.effects) this.apply(effect);
      if (this.stopped) return;
    }
    const changed: Record<string, Data> = {};
    for (const name of this.durable) {
      const value = this.replica.vars[name] as Data;
      if (value !== this.savedVars[name]) changed[name] = value;
    }
    // The state the effects depend on reaches the disk before any effect leaves the process.
    let committed: boolean;
    try {
      committed = now ? this.store.save(changed, this.unsavedMeta) : this.store.write(changed, this.unsavedMeta);
    } catch (error) {
      this.failStop(error as Error);
      return;
    }
    Object.assign(this.savedVars, changed);
    this.unsavedMeta = {};
    const effects = this.unreleased.flatMap((step) => step.effects);
    this.unreleased = [];
    if (committed) this.counters.durableCommits++;
    if (!committed || now) {
      for (const effect of effects) this.apply(effect);
      return;
    }
    this.syncing = true;
    this.store.sync().then(
      () => {
        this.syncing = false;
        if (this.stopped) return;
        for (const effect of effects) this.apply(effect);
        if (this.stopping) return; // stop() writes the rest itself
        if (this.unreleased.length > 0 || Object.keys(this.unsavedMeta).length > 0 || this.durable.some((name) => this.replica.vars[name] !== this.savedVars[name])) this.flush();
      },
      (error: unknown) => this.failStop(error as Error),
    );
  }

  /** Releasing effects, or going on with state the disk does not have, could break the protocol: stop. */
  private failStop(error: Error): void {
    this.stopped = true;
    this.log.log('error', 'durable-write-failed', { reason: error.message });
    this.options.onFatal?.(error);
  }

  private apply(effect: Effect): void {
    switch (effect.kind) {
      case 'send':
        this.counters.sent++;
        if (effect.to === this.options.self) {
          const message = effect.message;
          setImmediate(() => {
            this.counters.received++;
            this.step({ kind: 'receive', from: this.options.self, message });
          });
        } else if (this.byzantine !== undefined) {
          for (const [to, message] of this.byzantine.adversary.route(0, effect.to, effect.message)) this.transport.send(to, message);
        } else {
          this.transport.send(effect.to, effect.message);
        }
        break;
      case 'indicate': {
        const record: IndicationRecord = { seq: this.indications.length + 1, time: new Date().toISOString(), indication: effect.indication };
        this.indications.push(record);
        this.counters.indications++;
        this.log.log('info', 'indication', { seq: record.seq, indication: effect.indication });
        for (const listener of this.listeners) listener(record);
        break;
      }
      case 'startTimer': {
        const key = `${effect.timer}|${encode(effect.args)}`;
        clearTimeout(this.timers.get(key));
        const { timer, args } = effect;
        this.timers.set(key, setTimeout(() => {
          this.timers.delete(key);
          this.step({ kind: 'timeout', timer, args });
        }, Math.max(0, effect.delay * this.options.tickMs)));
        break;
      }
      case 'cancelTimer': {
        const key = `${effect.timer}|${encode(effect.args)}`;
        clearTimeout(this.timers.get(key));
        this.timers.delete(key);
        break;
      }
    }
  }

  /** Calls `listener` for every indication from now on; returns the unsubscribe function. */
  subscribe(listener: (record: IndicationRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): {
    id: number; protocol: string; role: string | null; recovered: boolean; durable: readonly string[]; peersOut: PeerStats[];
    peersIn: number[]; refusedHandshakes: number; throttled: number; counters: Counters;
    byzantine?: { strategy: string; types: readonly string[]; halves: readonly (readonly number[])[]; corrupted: number };
  } {
    return {
      id: this.options.self, protocol: this.options.module.name, role: this.role ?? null, recovered: this.recovered, durable: this.durable,
      peersOut: this.transport.stats(), peersIn: this.transport.connectedIn(), refusedHandshakes: this.transport.refusedHandshakes, throttled: this.transport.throttled, counters: { ...this.counters },
      ...(this.byzantine === undefined ? {} : { byzantine: { strategy: this.byzantine.adversary.strategy, types: this.byzantine.adversary.types, halves: this.byzantine.adversary.halves, corrupted: this.byzantine.adversary.corrupted } }),
    };
  }

  async stop(): Promise<void> {
    if (this.stopped || this.stopping) return;
    this.stopping = true;
    while (this.syncing) await new Promise((r) => setImmediate(r));
    this.flush(true); // the group under way, as a clean shutdown should
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.listeners.clear();
    await this.transport.stop();
    this.store.close();
  }
}
