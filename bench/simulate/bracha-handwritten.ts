/**
 * Bracha's reliable broadcast written by hand, for the simulator benchmark only: the same
 * protocol as specs/bracha-broadcast.rio, with its own counters instead of the generic rule
 * engine, so that one run measures what the engine and the generated code cost.
 */
import type { Effect, Input, Tagged } from '../../runtime/replica/contract.js';
import { Replica, type StepResult } from '../../runtime/replica/engine.js';

interface BrachaParams {
  readonly n: number;
  readonly f: number;
  readonly sender: number;
}

/** A replica of Bracha broadcast that does not use the rule engine. */
export class HandwrittenBracha {
  sentEcho = false;
  sentReady = false;
  delivered: number | null = null;
  private readonly echoes = new Map<number, Set<number>>();
  private readonly readies = new Map<number, Set<number>>();

  constructor(private readonly params: BrachaParams) {}

  private broadcast(effects: Effect[], message: Tagged): void {
    for (let p = 0; p < this.params.n; p++) effects.push({ kind: 'send', to: p, message });
  }

  handle(input: Input): StepResult {
    const effects: Effect[] = [];
    if (input.kind === 'request' && input.request.type === 'broadcast') {
      this.broadcast(effects, { type: 'SEND', m: input.request['m']! });
    } else if (input.kind === 'receive') {
      const message = input.message as Tagged;
      const m = message['m'] as number;
      const { n, f, sender } = this.params;
      switch (message.type) {
        case 'SEND':
          if (input.from === sender && !this.sentEcho) {
            this.sentEcho = true;
            this.broadcast(effects, { type: 'ECHO', m });
          }
          break;
        case 'ECHO': {
          const set = this.echoes.get(m) ?? new Set<number>();
          set.add(input.from);
          this.echoes.set(m, set);
          if (set.size > Math.floor((n + f) / 2) && !this.sentReady) {
            this.sentReady = true;
            this.broadcast(effects, { type: 'READY', m });
          }
          break;
        }
        case 'READY': {
          const set = this.readies.get(m) ?? new Set<number>();
          set.add(input.from);
          this.readies.set(m, set);
          if (set.size >= f + 1 && !this.sentReady) {
            this.sentReady = true;
            this.broadcast(effects, { type: 'READY', m });
          }
          if (set.size >= 2 * f + 1 && this.delivered === null) {
            this.delivered = m;
            effects.push({ kind: 'indicate', indication: { type: 'deliver', m } });
          }
          break;
        }
      }
    }
    return { effects, firings: effects.length > 0 ? [{ rule: 'handwritten', source: '', path: '', binding: {} }] : [] };
  }

  get vars(): { sentEcho: boolean; sentReady: boolean; delivered: number | null } {
    return this;
  }
}

/** Adapts the hand-written replica to what the world expects of a replica. */
export function handwrittenFactory(params: BrachaParams): (p: number) => Replica {
  return () => new HandwrittenBracha(params) as unknown as Replica;
}
