/**
 * Paxos with durable acceptor state, on real `rio start` processes: proposers p0, p1,
 * acceptors a2, a3, a4, learner l5 (f = 1).
 *
 * 1. a4 is down. p0 proposes 5: a2 and a3 promise and accept ballot 2, l5 learns 5.
 * 2. a2 is SIGKILLed after it promised (and accepted), and restarted from its database:
 *    its promise and acceptance survived (read from its database and from its API).
 * 3. a3 is killed for good and a4 starts fresh, so the only majority left is {a2, a4}, and
 *    a2's memory is all that still knows 5 was chosen. p1 proposes 9 with ballot 3: a2
 *    reports (2, 5), so p1 must propose 5; a4 and a2 accept 5 at p1's ballot. Had a2 forgotten,
 *    p1 would have got 9 accepted by a majority: a second decision.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RioClient } from '../../runtime/net/client.js';
import { launchNode, stopNode, type Launched } from '../../runtime/net/launch.js';
import { readDurable } from '../../runtime/net/store.js';
import { cli, eventually, makeCluster, repo, type TestCluster } from './helpers.js';

const params = { proposers: 2, acceptors: 3, learners: 1, f: 1 };
let cluster: TestCluster;
const launched: Launched[] = [];

function start(id: number): Launched {
  const node = launchNode({ cli, spec: join(repo, 'specs', 'paxos.rio'), config: cluster.configPath, id, extraArgs: ['--tick-ms', '50'], readyTimeoutMs: 15_000 });
  launched.push(node);
  return node;
}

async function kill(node: Launched): Promise<void> {
  node.child.kill('SIGKILL');
  expect(await node.exited).toBe('SIGKILL');
}

const db = (id: number) => join(cluster.dir, `node-${id}`, 'state.db');

beforeAll(async () => {
  cluster = await makeCluster(6, params);
});
afterAll(async () => {
  await Promise.all(launched.map((n) => stopNode(n, 1_000)));
  cluster.remove();
});

describe('Paxos acceptors across a crash and restart', () => {
  it('keep their promise, and the decision does not change', async () => {
    const nodes = [0, 1, 2, 3, 5].map(start);
    const [p0, p1, a2, a3, l5] = await Promise.all(nodes.map(async (n) => new RioClient(await n.ready)));

    await p0!.request({ type: 'propose', v: 5 });
    const learned = await l5!.waitFor((all) => all.length > 0, 5_000);
    expect(learned.map((r) => r.indication)).toEqual([{ type: 'learn', v: 5 }]);
    await eventually('a2 has accepted', async () => (await a2!.state()).vars['acceptedValue'] === 5);
    expect(readDurable(db(2)).vars).toEqual({ promised: 2, acceptedBallot: 2, acceptedValue: 5 });

    // Crash a2 and bring it back from its database.
    await kill(nodes[2]!);
    const a2again = start(2);
    const a2api = new RioClient(await a2again.ready);
    expect(a2again.logs.find((l) => l['event'] === 'recovered')).toMatchObject({ vars: { promised: 2, acceptedBallot: 2, acceptedValue: 5 } });
    expect((await a2api.state()).vars).toMatchObject({ promised: 2, acceptedBallot: 2, acceptedValue: 5 });
    void a3;

    // Leave {a2, a4} as the only majority; a4 has never heard of ballot 2.
    await kill(nodes[3]!);
    const a4 = new RioClient(await start(4).ready);
    await p1!.request({ type: 'propose', v: 9 });
    await eventually('p1 has finished its ballot', async () => (await p1!.state()).vars['stage'] === 'done', 8_000);
    const proposer = (await p1!.state()).vars;
    // Ballot 3, or a later one of p1 if its retry timer fired while a2's link was reconnecting.
    const ballot = proposer['ballot'] as number;
    expect(ballot % 2).toBe(1);
    expect(proposer).toMatchObject({ proposal: 5, myValue: 9 });
    await eventually(`a4 has accepted ballot ${ballot}`, async () => (await a4.state()).vars['acceptedBallot'] === ballot);
    expect(readDurable(db(4)).vars).toEqual({ promised: ballot, acceptedBallot: ballot, acceptedValue: 5 });
    await eventually(`a2 has accepted ballot ${ballot}`, async () => (await a2api.state()).vars['acceptedBallot'] === ballot);
    expect(readDurable(db(2)).vars).toEqual({ promised: ballot, acceptedBallot: ballot, acceptedValue: 5 });
    // The learner still knows one value only.
    expect((await l5!.indications()).indications.map((r) => r.indication)).toEqual([{ type: 'learn', v: 5 }]);
  }, 30_000);
});
