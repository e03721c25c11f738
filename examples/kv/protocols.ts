/**
 * How the key-value store (service.ts) sits on a replication protocol: which indication
 * gives it the order of commands (`(index, command)`, in index order, gaps allowed), and
 * which request puts an operation into that order at this process, if any.
 *
 * - Raft and Multi-Paxos: `apply(index, command)` and `submit(command)`, at every process;
 *   an operation is answered once this process has applied it (the client trusts the process
 *   it talks to, as in any crash-fault system).
 * - PBFT (specs/pbft.rio): replicas may be Byzantine, so an operation is not answered by a
 *   replica. It is made at a process of the spec's Client role (`invoke(op)`, which
 *   multicasts the request), and answered there once the client has learned the order up to
 *   its sequence number, each entry from f + 1 matching replies (`learn(s, op)`, the paper's
 *   "f + 1 replies with the same result": one of them is from a correct replica). The
 *   client's store is built from that learned order and gives the result. Replicas keep the
 *   store too, from their own `execute(s, op)` (so their stores can be compared), but take
 *   no operations: a Byzantine replica could answer anything.
 *
 * A null request (PBFT's `none`, filling a sequence number after a view change) is no
 * command: the store goes on to the next index.
 */
import type { ProtocolModule, Tagged } from '../../runtime/replica/contract.js';

export interface KvProtocol {
  /** The indication that orders commands, and its index and command fields. */
  readonly order: { readonly indication: string; readonly index: string; readonly command: string };
  /** The request that proposes a command at this process; undefined: this process takes no operations. */
  readonly submit?: (command: number) => Tagged;
  /** Why this process takes no operations, and where to send them instead. */
  readonly noSubmit?: string;
}

const hasRequest = (module: ProtocolModule<any, any>, name: string, fields: string) =>
  module.requests.some((r) => r.name === name && r.fields.map((f) => f.name).join(',') === fields);
const hasIndication = (module: ProtocolModule<any, any>, name: string, fields: string) =>
  module.indications.some((i) => i.name === name && i.fields.map((f) => f.name).join(',') === fields);

/**
 * The binding of the store to `module` at a process of role `role` (processes `clients` of
 * PBFT's Client role, for the message), or a reason it does not fit.
 */
export function kvProtocolOf(module: ProtocolModule<any, any>, role: string | undefined, clientProcesses: readonly number[] = []): KvProtocol | string {
  if (hasRequest(module, 'submit', 'command') && hasIndication(module, 'apply', 'index,command')) {
    return { order: { indication: 'apply', index: 'index', command: 'command' }, submit: (command) => ({ type: 'submit', command }) };
  }
  if (hasRequest(module, 'invoke', 'op') && hasIndication(module, 'execute', 's,op') && hasIndication(module, 'learn', 's,op')) {
    if (role === 'Client') return { order: { indication: 'learn', index: 's', command: 'op' }, submit: (command) => ({ type: 'invoke', op: command }) };
    const where = clientProcesses.length === 0 ? 'none in this configuration: give the parameter clients >= 1' : `process${clientProcesses.length === 1 ? '' : 'es'} ${clientProcesses.join(', ')}`;
    return { order: { indication: 'execute', index: 's', command: 'op' }, noSubmit: `this is a ${module.name} replica, which takes no key-value operations (a Byzantine replica could answer anything); send them to a client process (${where}), which answers from f + 1 matching replies` };
  }
  return `--app kv needs a protocol with a request submit(command) and an indication apply(index, command), like specs/raft.rio and specs/multi-paxos.rio, or PBFT's invoke(op), execute(s, op) and learn(s, op) (specs/pbft.rio); ${module.name} has none`;
}
