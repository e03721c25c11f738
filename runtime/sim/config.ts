/** What a simulation run is made of: protocol, parameters, network, faults, workload. */
import type { ProtocolModule, Tagged } from '../replica/contract.js';
import type { Process } from '../replica/values.js';
import type { WorldOptions } from '../world/world.js';
import { shadowStrategies, type ShadowStrategy } from './adversary.js';

/** Strategies that send random well-typed messages (they cannot sign as anyone but themselves, over random payloads). */
export type GenericStrategy = 'silent' | 'equivocate' | 'replay' | 'arbitrary';
/**
 * The generic strategies: what the spec's own fault model (no --faults) draws from, so that
 * a seed keeps meaning the same run.
 */
export const byzantineStrategies: readonly GenericStrategy[] = ['silent', 'equivocate', 'replay', 'arbitrary'];
/** Every strategy: the generic ones and the protocol-following ones of adversary.ts. */
export type ByzantineStrategy = GenericStrategy | ShadowStrategy;
export const allByzantineStrategies: readonly ByzantineStrategy[] = [...byzantineStrategies, ...shadowStrategies];

export interface NetworkConfig {
  /** Per-message delay, uniform in [minDelay, maxDelay] time units. */
  readonly minDelay: number;
  readonly maxDelay: number;
  /** Probability that a message is lost (before `gst` only). */
  readonly loss: number;
  /** Probability that a message is delivered twice (before `gst` only). */
  readonly duplicate: number;
  /** Global stabilisation time: from then on no loss, no duplication, no partition. */
  readonly gst: number;
  /** Partitions: during [from, to), messages between different groups are lost. */
  readonly partitions: readonly { readonly from: number; readonly to: number; readonly groups: readonly (readonly Process[])[] }[];
}

export interface FaultPlan {
  readonly crashes: readonly { readonly process: Process; readonly at: number }[];
  /** `types`: the message types a protocol-following strategy corrupts (all when absent or empty). */
  readonly byzantine: readonly { readonly process: Process; readonly strategy: ByzantineStrategy; readonly types?: readonly string[] }[];
  /** Crashed processes that come back (crash–recovery), keeping their `durable` state. */
  readonly restarts?: readonly { readonly process: Process; readonly at: number }[];
}

export interface WorkloadStep {
  readonly at: number;
  readonly process: Process;
  readonly request: Tagged;
}

export interface SimConfig<P = any> {
  readonly module: ProtocolModule<P, any>;
  readonly params: P;
  readonly seed: number;
  readonly network: NetworkConfig;
  readonly faults: FaultPlan;
  readonly workload: readonly WorkloadStep[];
  /** Stop after this many events. */
  readonly maxEvents: number;
  /** Stop at this simulated time; `eventually` properties are judged then if the run is stable. */
  readonly horizon: number;
  /** Size of the domain of Value and Nat fields in Byzantine messages. */
  readonly values: number;
  /** Keep the trace of events (needed for traces and shrinking; off in benchmarks). */
  readonly record: boolean;
  /** Replaces the generated replicas (benchmarks only). */
  readonly replicaFactory?: WorldOptions['replicaFactory'];
}

export const defaultNetwork: NetworkConfig = { minDelay: 1, maxDelay: 10, loss: 0, duplicate: 0, gst: 0, partitions: [] };
