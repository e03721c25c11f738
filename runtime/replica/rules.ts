/**
 * Typed constructors for rule descriptors. Generated code calls these so that each rule's
 * binding, guard and body agree on the binding's type without casts; the engine sees the
 * erased `RuleDesc`.
 */
import type { Binding, QuorumDesc, RuleContext, RuleDesc, Tagged, TypeDesc } from './contract.js';
import type { Data, Process } from './values.js';

interface Common<P, S, B> {
  readonly name: string;
  readonly source: string;
  readonly role?: string;
  readonly guard?: (ctx: RuleContext<P>, state: S, binding: B) => boolean;
  readonly body: (ctx: RuleContext<P>, state: S, binding: B) => void;
}

type Erase<P, S> = RuleDesc<P, S>;

/** `upon start`. */
export function onStart<P, S>(rule: Common<P, S, Record<string, never>>): Erase<P, S> {
  return { ...rule, event: 'start' } as unknown as Erase<P, S>;
}

/** `upon request(...)`. */
export function onRequest<P, S, R extends Tagged, B extends Binding>(
  rule: Common<P, S, B> & { readonly request: R['type']; readonly bind: (request: R, ctx: RuleContext<P>, state: S) => B | null },
): Erase<P, S> {
  return { ...rule, event: 'request' } as unknown as Erase<P, S>;
}

/** `upon receiving M(...) from ...`; `C` is what `as msgs` adds to the binding. */
export function onReceive<P, S, M extends Tagged, B extends Binding, C extends Binding = Record<never, never>>(
  rule: Common<P, S, B & C> & {
    readonly message: M['type'];
    readonly quorum: QuorumDesc<P>;
    readonly collectAs?: string;
    readonly staticBind?: boolean;
    readonly bindingTypes?: Readonly<Record<string, TypeDesc>>;
    readonly precondition?: (ctx: RuleContext<P>, state: S) => boolean;
    readonly stopsWhen?: (ctx: RuleContext<P>, state: S) => boolean;
    /**
     * Conjuncts of the guard that are false for good for a message once false, if `variable`
     * never decreases (the model checker's reduction; it checks that the variable does not).
     */
    readonly staleWhen?: readonly { readonly variable: string; readonly when: (binding: B, state: S) => boolean }[];
    readonly pin?: { readonly fields: readonly (keyof B & string)[]; readonly values: (ctx: RuleContext<P>, state: S) => readonly Data[] };
    readonly bind: (message: M, sender: Process, ctx: RuleContext<P>, state: S) => B | null;
  },
): Erase<P, S> {
  return { ...rule, event: 'receive' } as unknown as Erase<P, S>;
}

/** `upon timeout T(...)`. */
export function onTimeout<P, S, B extends Binding>(
  rule: Common<P, S, B> & { readonly timer: string; readonly bind: (args: readonly Data[], ctx: RuleContext<P>, state: S) => B | null },
): Erase<P, S> {
  return { ...rule, event: 'timeout' } as unknown as Erase<P, S>;
}

/** `upon sub.indication(...)`. */
export function onIndication<P, S, I extends Tagged, B extends Binding>(
  rule: Common<P, S, B> & {
    readonly module: string;
    readonly indication: I['type'];
    readonly bind: (key: Data, indication: I, ctx: RuleContext<P>, state: S) => B | null;
  },
): Erase<P, S> {
  return { ...rule, event: 'indication' } as unknown as Erase<P, S>;
}

/** `upon <condition>`. */
export function onCondition<P, S>(
  rule: Common<P, S, Record<string, never>> & { readonly condition: (ctx: RuleContext<P>, state: S) => boolean },
): Erase<P, S> {
  return { ...rule, event: 'condition' } as unknown as Erase<P, S>;
}
