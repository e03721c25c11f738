/**
 * Seeded client workloads for the key-value store: `clients` clients, client c talking to
 * server c mod servers, each issuing `perClient` operations on a few keys, one every
 * `spacing` time units with a seeded jitter, so that the clients' operations overlap.
 */
import { Rng } from '../../runtime/replica/rng.js';
import type { KvOp } from './command.js';
import type { ClientOp } from './simulate.js';

export interface WorkloadShape {
  readonly clients: number;
  readonly servers: number;
  readonly perClient: number;
  readonly keys: number;
  /** Time between a client's operations (plus jitter up to half of it). */
  readonly spacing: number;
  /** When the first operations come. */
  readonly start: number;
}

export function kvWorkload(shape: WorkloadShape, seed: number): ClientOp[] {
  const rng = new Rng(BigInt(seed) ^ 0x6b76n);
  const ops: ClientOp[] = [];
  for (let k = 0; k < shape.perClient; k++) {
    for (let client = 0; client < shape.clients; client++) {
      const key = rng.below(shape.keys);
      const value = 1 + rng.below(9);
      const pick = rng.below(10);
      // Mostly puts and gets; deletes and compare-and-swaps (half of them on the absent value) too.
      const op: KvOp =
        pick < 3 ? { kind: 'put', key, value } : pick < 6 ? { kind: 'get', key } : pick < 7 ? { kind: 'delete', key } : { kind: 'cas', key, expected: rng.chance(0.5) ? 0 : 1 + rng.below(9), value };
      ops.push({ client, server: client % shape.servers, at: shape.start + k * shape.spacing + rng.below(Math.max(1, Math.floor(shape.spacing / 2))), op });
    }
  }
  return ops.sort((a, b) => a.at - b.at || a.client - b.client);
}
