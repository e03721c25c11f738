/** Runs in plain words: `t=12 p2 receives ECHO(1) from p3 → broadcasts READY(1)`. */
import type { Effect, Tagged, Wire } from '../replica/contract.js';
import type { Data } from '../replica/values.js';
import type { Outcome, WorldEvent } from '../world/world.js';

/** A value as a spec writer would write it. */
export function showValue(v: Data | undefined): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'string') return v;
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => showValue(x as Data)).join(', ')}]`;
  const o = v as Record<string, Data>;
  if (typeof o['type'] === 'string') return showMessage(o as unknown as Tagged);
  return `{${Object.entries(o).map(([k, x]) => `${k}: ${showValue(x)}`).join(', ')}}`;
}

/** `ECHO(1)`, or `rb[2]: ECHO(1)` for a sub-module's message. */
export function showMessage(m: Wire): string {
  if (m.type === '$via' && 'via' in m) return `${m.via}${m.key === null ? '' : `[${showValue(m.key as Data)}]`}: ${showMessage(m.message as Wire)}`;
  const fields = Object.entries(m).filter(([k]) => k !== 'type');
  return `${m.type}(${fields.map(([, v]) => showValue(v)).join(', ')})`;
}

function showEffects(effects: readonly Effect[], processCount: number): string[] {
  const out: string[] = [];
  const sends = new Map<string, { message: Wire; to: number[] }>();
  for (const e of effects) {
    if (e.kind === 'send') {
      const key = JSON.stringify(e.message);
      const entry = sends.get(key) ?? { message: e.message, to: [] };
      entry.to.push(e.to);
      sends.set(key, entry);
    }
  }
  for (const { message, to } of sends.values()) {
    out.push(to.length === processCount ? `broadcasts ${showMessage(message)}` : `sends ${showMessage(message)} to ${to.map((p) => `p${p}`).join(', ')}`);
  }
  for (const e of effects) {
    if (e.kind === 'indicate') out.push(`indicates ${showMessage(e.indication)}`);
    else if (e.kind === 'startTimer') out.push(`starts timer ${e.timer}(${e.args.map((a) => showValue(a)).join(', ')}) for ${e.delay}`);
    else if (e.kind === 'cancelTimer') out.push(`cancels timer ${e.timer}(${e.args.map((a) => showValue(a)).join(', ')})`);
  }
  return out;
}

/** One line for one step. */
export function describeStep(t: number, event: WorldEvent, outcome: Outcome | undefined, processCount: number): string {
  let what: string;
  switch (event.kind) {
    case 'start': what = `p${event.process} starts`; break;
    case 'request': what = `p${event.process} is asked ${showMessage(event.request)}`; break;
    case 'deliver': what = `p${event.to} receives ${showMessage(event.message)} from p${event.from}`; break;
    case 'timeout': what = `p${event.process}'s timer ${event.timer}(${event.args.map((a) => showValue(a)).join(', ')}) expires`; break;
    case 'crash': what = `p${event.process} crashes`; break;
    case 'restart': what = `p${event.process} restarts from its durable state`; break;
    case 'inject': what = `p${event.from} (Byzantine) sends ${showMessage(event.message)} to p${event.to}`; break;
    case 'lose': what = `the network loses ${showMessage(event.message)} from p${event.from} to p${event.to}`; break;
    case 'duplicate': what = `the network duplicates ${showMessage(event.message)} from p${event.from} to p${event.to}`; break;
  }
  const effects = outcome === undefined ? [] : showEffects(outcome.effects, processCount);
  const rules = outcome === undefined || outcome.firings.length === 0 ? '' : ` [${outcome.firings.map((f) => f.rule).join(', ')}]`;
  return `t=${t} ${what}${effects.length > 0 ? ` → ${effects.join(', ')}` : ''}${rules}`;
}
