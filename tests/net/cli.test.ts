/**
 * `rio keygen`, `rio start` and `rio cluster` from the command line: usage errors exit 2
 * with a message that says what to change (never a stack trace); `rio start` serves,
 * logs JSON lines, and stops cleanly on SIGTERM. Needs the build (dist/).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RioClient } from '../../runtime/net/client.js';
import { launchNode } from '../../runtime/net/launch.js';
import { cli, makeCluster, repo, rio } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'rio-net-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.concurrent('rio keygen', () => {
  it('writes a configuration and keys, and refuses to overwrite them without --force', async () => {
    const out = join(tmp, 'keys');
    const first = await rio(['keygen', '--nodes', '4', '-o', out]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`wrote ${join(out, 'cluster.json')} and the keys of 4 nodes:`);
    const config = JSON.parse(readFileSync(join(out, 'cluster.json'), 'utf8')) as { nodes: { id: number; host: string; port: number; httpPort: number }[] };
    expect(config.nodes.map((n) => [n.id, n.host, n.port, n.httpPort])).toEqual([0, 1, 2, 3].map((i) => [i, '127.0.0.1', 7400 + i, 8400 + i]));
    for (const f of ['tls.key', 'tls.crt', 'sign.key']) expect(existsSync(join(out, 'node-3', f))).toBe(true);
    const again = await rio(['keygen', '--nodes', '4', '-o', out]);
    expect([again.code, again.stderr.trim()]).toEqual([2, `rio: '${join(out, 'cluster.json')}' exists; pass --force to replace its keys`]);
    expect((await rio(['keygen', '--nodes', '4', '-o', out, '--force'])).code).toBe(0);
  });

  it('gives the same ports on separate hosts', async () => {
    const out = join(tmp, 'hosts');
    expect((await rio(['keygen', '--nodes', '3', '-o', out, '--hosts', '10.0.0.1,10.0.0.2,10.0.0.3'])).code).toBe(0);
    const config = JSON.parse(readFileSync(join(out, 'cluster.json'), 'utf8')) as { nodes: { host: string; port: number }[] };
    expect(config.nodes.map((n) => `${n.host}:${n.port}`)).toEqual(['10.0.0.1:7400', '10.0.0.2:7400', '10.0.0.3:7400']);
  });

  it.each([
    [['keygen', '-o', 'x'], /Missing required argument: nodes/],
    [['keygen', '--nodes', '0', '-o', 'x'], /^rio: --nodes must be a whole number from 1 to 1000, not 0$/],
    [['keygen', '--nodes', '3', '-o', 'x', '--hosts', 'a,b'], /^rio: --hosts names 2 hosts for 3 nodes: give one host for all, or one per node$/],
    [['keygen', '--nodes', '3', '-o', 'x', '--port', '65535'], /^rio: --port must be a port such that --port\+2 <= 65535, not 65535$/],
  ])('rio %j exits 2', async (args, message) => {
    const run = await rio(args);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toMatch(message);
  });
});

describe.concurrent('rio start', () => {
  it('serves one process, logs JSON lines, and stops cleanly on SIGTERM', async () => {
    const cluster = await makeCluster(1, { n: 1, f: 0, sender: 0 });
    try {
      const node = launchNode({ cli, spec: join(repo, 'specs', 'bracha-broadcast.rio'), config: cluster.configPath, id: 0 });
      const client = new RioClient(await node.ready);
      await client.request({ type: 'broadcast', m: 4 });
      const got = await client.waitFor((all) => all.length > 0, 5_000);
      expect(got.map((r) => r.indication)).toEqual([{ type: 'deliver', m: 4 }]);
      node.child.kill('SIGTERM');
      expect(await node.exited).toBe(0);
      const events = node.logs.map((l) => l['event']);
      expect(events).toEqual(expect.arrayContaining(['listening', 'started', 'api-listening', 'ready', 'indication', 'stopping', 'stopped']));
      expect(node.logs.every((l) => typeof l['time'] === 'string' && l['node'] === 0 && typeof l['level'] === 'string')).toBe(true);
      expect(node.logs.find((l) => l['event'] === 'stopped')).toMatchObject({ counters: { requests: 1, indications: 1, sent: 3, received: 3 } });
    } finally {
      cluster.remove();
    }
  });

  it('exits 2 when its API port is taken', async () => {
    const cluster = await makeCluster(1, { n: 1, f: 0, sender: 0 });
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(cluster.config.nodes[0]!.httpPort, '127.0.0.1', r));
    try {
      const run = await rio(['start', 'specs/bracha-broadcast.rio', '--config', cluster.configPath, '--id', '0']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/rio: cannot listen: listen EADDRINUSE: address already in use 127\.0\.0\.1:\d+/);
    } finally {
      blocker.close();
      cluster.remove();
    }
  });

  it('refuses a configuration that does not fit', async () => {
    const cluster = await makeCluster(4);
    try {
      const base = ['start', 'specs/bracha-broadcast.rio', '--config', cluster.configPath];
      const cases: [string[], RegExp][] = [
        [['start', 'specs/bracha-broadcast.rio', '--config', join(tmp, 'none.json'), '--id', '0'], new RegExp(`^rio: cannot read '${join(tmp, 'none.json')}': no such file$`)],
        [[...base, '--id', '4'], /^rio: --id 4: the configuration has nodes 0..3$/],
        [[...base, '--id', '-1'], /^rio: --id must be a process number \(0, 1, ...\), not -1$/],
        [[...base, '--id', '0', '--tick-ms', '0'], /^rio: --tick-ms must be a positive number of milliseconds, not 0$/],
        [[...base, '--id', '0', '--param', 'n=7'], /^rio: the parameters give 7 processes but the configuration has 4 nodes/],
        [[...base, '--id', '0', '--bogus'], /^rio: Unknown argument: bogus$/],
        [['start', 'specs/paxos.rio', '--config', cluster.configPath, '--id', '0'], /^rio: the parameters give 7 processes but the configuration has 4 nodes/],
        [[...base, '--id', '0', '--keys', tmp], new RegExp(`^rio: cannot read key file '${join(tmp, 'tls.key')}': no such file$`)],
        [[...base, '--id', '0', '--keys', join(cluster.dir, 'node-1')], new RegExp(`^rio: the certificate in '${join(cluster.dir, 'node-1')}' is not the one the configuration pins for node 0$`)],
      ];
      const bad = join(tmp, 'bad.json');
      writeFileSync(bad, '{"format":"rio-cluster","version":1,"nodes":[{"id":0}]}');
      cases.push([['start', 'specs/bracha-broadcast.rio', '--config', bad, '--id', '0'], new RegExp(`^rio: ${bad}: node 0: "host" must be a non-empty string$`)]);
      const runs = await Promise.all(cases.map(([args]) => rio(args)));
      cases.forEach(([args, message], i) => {
        expect([args, runs[i]!.code]).toEqual([args, 2]);
        expect(runs[i]!.stderr.split('\n')[0]).toMatch(message);
      });
    } finally {
      cluster.remove();
    }
  });
});

describe.concurrent('rio cluster', () => {
  it.each([
    [['--nodes', '5'], /^rio: --nodes 5, but the parameters give 4 processes \(set them with --param, e\.g\. n=\.\.\. f=\.\.\.\)$/],
    [['--kill', '3'], /^rio: --kill '3' must look like PROCESS@TIME, e\.g\. --kill 3@5$/],
    [['--restart', '9@1'], /^rio: --restart 9@1: process 9 does not exist \(processes are 0\.\.3\)$/],
    [['--request', 'shout(1) at 0'], /^rio: 'shout' is not a request of BrachaBroadcast \(its requests: broadcast\)$/],
    [['--request', 'broadcast(1) at 0 on 2'], /^rio: request 'broadcast' is taken only at process 0, not 2$/],
    [['--tick-ms', '-5'], /^rio: --tick-ms must be a positive number of milliseconds, not -5$/],
    [['--param', 'n=x'], /^rio: parameter 'n': "x" is not a nat$/],
    [['--until-each', '0'], /^rio: --until-each must be a whole number of indications \(1 or more\), not 0$/],
  ])('rio cluster %j exits 2', async (args, message) => {
    const run = await rio(['cluster', 'specs/bracha-broadcast.rio', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toMatch(message);
    expect(run.stdout).toBe('');
  });
});
