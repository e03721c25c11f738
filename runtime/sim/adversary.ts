/**
 * Protocol-following Byzantine processes: the simulator runs the spec's own replica code for
 * a Byzantine process (a "shadow", signing with that process's own key) and corrupts what it
 * sends. The runtime knows nothing of any protocol: the attacks are generic transformations
 * of well-formed, validly signed messages, chosen by the message declarations' types:
 *
 * - `conflict`: each message goes unchanged to one half of the correct processes and, with
 *   its Value fields changed (its Digest fields if it has no Value field) and its own
 *   signatures made again over the changed payload, to the other half. When the shadow
 *   leads, that is an equivocating leader (conflicting proposals); when it votes, conflicting
 *   votes. The changed value is one seen in the same field of another message of the type
 *   (another node), else a Value seen in any message (another client's request), else the
 *   next value.
 * - `twins`: two shadows with the same identity and key (Bano et al., "Twins: BFT systems
 *   made robust", 2022), each talking to its own half of the correct processes; both receive
 *   every message, the second one later (a different order), and the second one gets the
 *   requests made at the process with their Value fields changed. They diverge as two
 *   correct replicas with different inputs would, so they propose and vote differently.
 * - `withhold`: messages reach one correct process only (chosen by the seed), and no other:
 *   a leader that withholds its proposals from all but one replica.
 * - `stale`: in each message, each field that holds signatures (a certificate) is, with
 *   probability 1/2, replaced by the oldest different value of that field it has received
 *   (a stale certificate, genuinely signed by others); the message's own signatures are made
 *   again over the changed payload.
 * - `forge`: in every set in a message whose elements carry signatures (a certificate), the
 *   votes of other processes are replaced by forged ones: for each other process, a copy of
 *   one vote with the signatures put in that process's name (`{ signer: q, of, tag }`, with a
 *   tag it cannot compute). Its own votes stay. Symbolic signatures reject the forged ones
 *   (crypto.ts), so such a certificate counts at most its own vote.
 *
 * A strategy may be limited to some message types (`conflict(PRE_PREPARE)`); messages of
 * other types are sent as the protocol says.
 *
 * The same code drives a Byzantine process of a real cluster (runtime/net/byzantine.ts): there
 * the shadow signs with the process's real key, and a `ShadowKey` that remembers what it
 * signed lets it sign a changed payload again (a real signature does not show its payload).
 */
import type { Chooser, EventDesc, ProtocolModule, Tagged, TypeDesc, Wire } from '../replica/contract.js';
import { symbolicCrypto, type Crypto } from '../replica/crypto.js';
import { Replica, isEnvelope } from '../replica/engine.js';
import type { Rng } from '../replica/rng.js';
import { encode, setOf, type Data, type Process } from '../replica/values.js';

export type ShadowStrategy = 'conflict' | 'twins' | 'withhold' | 'stale' | 'forge';
export const shadowStrategies: readonly ShadowStrategy[] = ['conflict', 'twins', 'withhold', 'stale', 'forge'];

/** How many corrupted versions of messages a shadow remembers (see `transform`). */
const TRANSFORMED_LIMIT = 100_000;

/** Does a value of this type hold a signature somewhere inside? */
export function holdsSignature(t: TypeDesc): boolean {
  switch (t.kind) {
    case 'signature': return true;
    case 'option': case 'set': case 'seq': return holdsSignature(t.of);
    case 'map': return holdsSignature(t.key) || holdsSignature(t.value);
    case 'tuple': return t.elements.some(holdsSignature);
    case 'record': return t.fields.some((f) => holdsSignature(f.type));
    default: return false;
  }
}

function holdsKind(t: TypeDesc, kind: 'value' | 'digest'): boolean {
  switch (t.kind) {
    case 'value': case 'digest': return t.kind === kind;
    case 'option': return holdsKind(t.of, kind);
    case 'tuple': return t.elements.some((e) => holdsKind(e, kind));
    case 'record': return t.fields.some((f) => holdsKind(f.type, kind));
    default: return false; // values inside sets, maps and sequences are left alone
  }
}

interface SignatureData { readonly signer: Process; readonly of: string; readonly tag?: string }

function isSignature(v: Data): v is SignatureData & Data {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Record<string, Data>)['of'] === 'string' && typeof (v as Record<string, Data>)['signer'] === 'number';
}

/** How a shadow signs, and how it finds what one of its own signatures signed. */
export interface ShadowKey {
  readonly crypto: Crypto;
  /** The payload of a signature this process made, or undefined (another's, or not known). */
  payloadOf(signature: Data): Data | undefined;
}

/** Symbolic signatures name their payload: the simulator's key. */
export function symbolicKey(self: Process): ShadowKey {
  return {
    crypto: symbolicCrypto,
    payloadOf: (sig) => {
      if (!isSignature(sig) || sig.signer !== self) return undefined;
      try {
        return JSON.parse(sig.of) as Data;
      } catch {
        return undefined;
      }
    },
  };
}

/** The Byzantine side of one process: its shadow replicas and how it corrupts their messages. */
export class ShadowAdversary {
  readonly copies: Replica[];
  /** The correct processes each copy (twins) or each version of a message (conflict) goes to. */
  readonly halves: readonly [readonly Process[], readonly Process[]];
  /** The one correct process a withholding adversary still talks to. */
  readonly confidant: Process;
  /** How many signatures it has forged (for reports and tests). */
  forged = 0;
  /** How many messages it sent changed (conflicting, stale or forged versions). */
  corrupted = 0;
  private readonly descs: Map<string, EventDesc>;
  /** Per message type and field, the distinct values seen (encoding -> value), oldest first. */
  private readonly seen = new Map<string, Map<string, Data>>();
  /** Every Value seen in any field (another client's request is a plausible lie). */
  private readonly anyValue = new Map<string, Data>();
  private readonly transformed = new Map<string, Wire>();

  constructor(
    readonly module: ProtocolModule<any, any>,
    params: unknown,
    readonly self: Process,
    readonly strategy: ShadowStrategy,
    /** The message types it corrupts (all when empty). */
    readonly types: readonly string[],
    readonly correct: readonly Process[],
    /** Every process (the names it can forge). */
    private readonly processes: readonly Process[],
    private readonly values: number,
    private readonly rng: Rng,
    /** The simulator's symbolic signatures unless told otherwise (a real process: its own key). */
    private readonly key: ShadowKey = symbolicKey(self),
  ) {
    const chooser: Chooser = { choose: (count) => rng.below(count) };
    const count = strategy === 'twins' ? 2 : 1;
    this.copies = Array.from({ length: count }, () => new Replica(module, params, self, { chooser, crypto: key.crypto }));
    const order = [...correct];
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const cut = Math.ceil(order.length / 2);
    this.halves = [order.slice(0, cut).sort((a, b) => a - b), order.slice(cut).sort((a, b) => a - b)];
    this.confidant = order[0] ?? self;
    this.descs = new Map(module.messages.map((m) => [m.name, m]));
  }

  /** The extra delay before a copy receives a message (the second twin hears things later). */
  delayFor(copy: number, maxDelay: number): number {
    return copy === 0 ? 0 : 1 + this.rng.below(maxDelay + 1);
  }

  /** A request made at this process, as a copy gets it (the second twin: other values). */
  requestFor(copy: number, request: Tagged): Tagged {
    if (copy === 0) return request;
    const desc = this.module.requests.find((r) => r.name === request.type);
    if (desc === undefined) return request;
    const out: Record<string, Data> = { ...(request as unknown as Record<string, Data>) };
    for (const f of desc.fields) out[f.name] = this.changeValues(out[f.name]!, f.type, `request ${request.type}.${f.name}`, 'value');
    return out as unknown as Tagged;
  }

  /** Notes a message the process received: candidates for changed values, stale certificates. */
  observe(message: Wire): void {
    if (isEnvelope(message)) return;
    this.note(message as Tagged);
  }

  private note(message: Tagged): void {
    const desc = this.descs.get(message.type);
    if (desc === undefined) return;
    const fields = message as unknown as Record<string, Data>;
    for (const f of desc.fields) this.noteValue(fields[f.name]!, f.type, `${message.type}.${f.name}`);
  }

  private noteValue(v: Data, t: TypeDesc, path: string): void {
    if (t.kind === 'value' && v !== null && this.anyValue.size < 16) this.anyValue.set(encode(v), v);
    if (t.kind === 'value' || t.kind === 'digest' || holdsSignature(t)) {
      let values = this.seen.get(path);
      if (values === undefined) this.seen.set(path, (values = new Map()));
      if (values.size < 16) values.set(encode(v), v);
    }
    if (v === null) return;
    if (t.kind === 'option') this.noteValue(v, t.of, path);
    else if (t.kind === 'tuple') t.elements.forEach((e, i) => this.noteValue((v as readonly Data[])[i]!, e, `${path}.${i + 1}`));
    else if (t.kind === 'record') for (const f of t.fields) this.noteValue((v as Record<string, Data>)[f.name]!, f.type, `${path}.${f.name}`);
  }

  /**
   * What one send of copy `copy` becomes: the messages to put on the network, as
   * [recipient, message] (none: withheld or the other twin's half).
   */
  route(copy: number, to: Process, message: Wire): (readonly [Process, Wire])[] {
    if (!isEnvelope(message)) this.note(message as Tagged);
    const targeted = !isEnvelope(message) && (this.types.length === 0 || this.types.includes((message as Tagged).type));
    const isCorrect = this.correct.includes(to);
    switch (this.strategy) {
      case 'twins':
        return !isCorrect || this.halves[copy]!.includes(to) ? [[to, message]] : [];
      case 'withhold':
        return targeted && isCorrect && to !== this.confidant ? [] : [[to, message]];
      case 'conflict':
        return targeted && this.halves[1].includes(to) ? [[to, this.transform(message as Tagged)]] : [[to, message]];
      case 'stale':
      case 'forge':
        return targeted ? [[to, this.transform(message as Tagged)]] : [[to, message]];
    }
  }

  /**
   * The corrupted version of a message (the same one every time it is sent, among the last
   * TRANSFORMED_LIMIT: a real process runs for long, a simulation never sends that many).
   */
  private transform(message: Tagged): Tagged {
    const key = encode(message);
    let out = this.transformed.get(key);
    if (out === undefined) {
      out = this.corrupt(message);
      if (encode(out) !== key) this.corrupted++;
      if (this.transformed.size >= TRANSFORMED_LIMIT) this.transformed.delete(this.transformed.keys().next().value!);
      this.transformed.set(key, out);
    }
    return out as Tagged;
  }

  private corrupt(message: Tagged): Tagged {
    const desc = this.descs.get(message.type);
    if (desc === undefined) return message;
    const fields = message as unknown as Record<string, Data>;
    const changed = new Map<string, Data>();
    const kind = desc.fields.some((f) => holdsKind(f.type, 'value')) ? 'value' : 'digest';
    for (const f of desc.fields) {
      const old = fields[f.name]!;
      let now: Data = old;
      if (this.strategy === 'conflict') now = this.changeValues(old, f.type, `${message.type}.${f.name}`, kind);
      else if (this.strategy === 'stale' && f.type.kind !== 'signature' && holdsSignature(f.type) && this.rng.chance(0.5)) {
        const older = [...(this.seen.get(`${message.type}.${f.name}`)?.values() ?? [])].find((v) => encode(v) !== encode(old));
        if (older !== undefined) now = older;
      } else if (this.strategy === 'forge' && f.type.kind !== 'signature' && holdsSignature(f.type)) now = this.forge(old, f.type);
      if (encode(now) !== encode(old)) changed.set(f.name, now);
    }
    if (changed.size === 0) return message;
    const out: Record<string, Data> = { ...fields };
    for (const [name, v] of changed) out[name] = v;
    // Its own signatures over the message's fields, made again over the changed fields.
    for (const f of desc.fields) {
      if (f.type.kind !== 'signature') continue;
      const payload = this.key.payloadOf(fields[f.name]!);
      if (payload === undefined) continue;
      out[f.name] = this.resign(fields[f.name]!, payload, desc, fields, changed);
    }
    return out as unknown as Tagged;
  }

  /**
   * A signature of this process over a payload that lists the message's fields (after a tag,
   * in declaration order: `sign((1, v, s, op))`), made again with the changed fields in their
   * places. The places are found by matching the fields' old values, in order, against the
   * payload's elements; a payload of another shape is signed unchanged (best effort: a
   * Byzantine process whose guess is wrong sends a message that does not verify).
   */
  private resign(sig: Data, payload: Data, desc: EventDesc, fields: Record<string, Data>, changed: ReadonlyMap<string, Data>): Data {
    if (!Array.isArray(payload)) {
      // A payload that is one field's value.
      for (const [name, v] of changed) if (encode(fields[name]!) === encode(payload)) return this.key.crypto.sign(this.self, v);
      return sig;
    }
    const elements = [...(payload as readonly Data[])];
    let cursor = 0;
    for (const f of desc.fields) {
      if (f.type.kind === 'signature') continue;
      const old = encode(fields[f.name]!);
      const at = elements.findIndex((e, i) => i >= cursor && encode(e) === old);
      if (at < 0) continue;
      if (changed.has(f.name)) elements[at] = changed.get(f.name)!;
      cursor = at + 1;
    }
    return this.key.crypto.sign(this.self, elements);
  }

  /** `v` with its values of `kind` (outside sets, maps and sequences) changed. */
  private changeValues(v: Data, t: TypeDesc, path: string, kind: 'value' | 'digest'): Data {
    if (v === null) return v;
    switch (t.kind) {
      case 'value':
      case 'digest': {
        if (t.kind !== kind) return v;
        const others = [...(this.seen.get(path)?.values() ?? [])].filter((x) => encode(x) !== encode(v));
        if (others.length > 0) return this.rng.pick(others);
        const anywhere = t.kind === 'value' ? [...this.anyValue.values()].filter((x) => encode(x) !== encode(v)) : [];
        if (anywhere.length > 0) return this.rng.pick(anywhere);
        return t.kind === 'value' ? ((v as number) + 1) % Math.max(2, this.values) : v;
      }
      case 'option': return this.changeValues(v, t.of, path, kind);
      case 'tuple': return t.elements.map((e, i) => this.changeValues((v as readonly Data[])[i]!, e, `${path}.${i + 1}`, kind));
      case 'record': return Object.fromEntries(t.fields.map((f) => [f.name, this.changeValues((v as Record<string, Data>)[f.name]!, f.type, `${path}.${f.name}`, kind)]));
      default: return v;
    }
  }

  /** `v` with every certificate in it padded with forged votes. */
  private forge(v: Data, t: TypeDesc): Data {
    if (v === null) return v;
    switch (t.kind) {
      case 'option': return this.forge(v, t.of);
      case 'tuple': return t.elements.map((e, i) => this.forge((v as readonly Data[])[i]!, e));
      case 'record': return Object.fromEntries(t.fields.map((f) => [f.name, this.forge((v as Record<string, Data>)[f.name]!, f.type)]));
      case 'set': {
        const elements = v as readonly Data[];
        if (!holdsSignature(t.of) || elements.length === 0) return v;
        // Its own votes stay; every other process's vote is one it forged from a model.
        const own = elements.filter((e) => signaturesIn(e).every((s) => s.signer === this.self));
        const model = own[0] ?? elements[0]!;
        const original = signaturesIn(model)[0]?.signer;
        if (original === undefined) return v;
        const forged = this.processes.filter((q) => q !== this.self).map((q) => this.impersonate(model, t.of, original, q));
        return setOf([...own, ...forged]);
      }
      default: return v;
    }
  }

  /** A copy of `v` in which process `from` is `to` and its signatures are forged in `to`'s name. */
  private impersonate(v: Data, t: TypeDesc, from: Process, to: Process): Data {
    if (v === null) return v;
    switch (t.kind) {
      case 'process': return v === from ? to : v;
      case 'signature': {
        if (!isSignature(v) || v.signer !== from) return v;
        this.forged++;
        return { signer: to, of: v.of, tag: v.tag ?? '' };
      }
      case 'option': return this.impersonate(v, t.of, from, to);
      case 'tuple': return t.elements.map((e, i) => this.impersonate((v as readonly Data[])[i]!, e, from, to));
      case 'record': return Object.fromEntries(t.fields.map((f) => [f.name, this.impersonate((v as Record<string, Data>)[f.name]!, f.type, from, to)]));
      default: return v;
    }
  }
}

function signaturesIn(v: Data): SignatureData[] {
  if (isSignature(v)) return [v];
  if (Array.isArray(v)) return (v as readonly Data[]).flatMap(signaturesIn);
  if (typeof v === 'object' && v !== null) return Object.values(v as Record<string, Data>).flatMap(signaturesIn);
  return [];
}
