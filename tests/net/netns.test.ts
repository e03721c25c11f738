/**
 * Several hosts on one machine: four network namespaces made by this test, each with its own
 * address on a bridge (in a fifth namespace) joined by veth pairs, with `tc netem` delay and
 * loss where the kernel has it. Bracha's broadcast runs as one `rio start` per namespace,
 * configured by `rio keygen --hosts`, and every process delivers. Needs root and `ip netns`
 * (CI runs as root); skipped with the reason printed where they are missing. Everything it
 * creates is deleted at the end.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCluster } from '../../runtime/net/keys.js';
import { launchNode, stopNode, type Launched } from '../../runtime/net/launch.js';
import { cli, eventually, repo } from './helpers.js';

const tag = `rio${process.pid % 100000}`;
const sw = `${tag}sw`;
const hosts = [0, 1, 2, 3].map((i) => `${tag}h${i}`);
const address = (i: number) => `10.77.${process.pid % 200}.${i + 1}`;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Why the test cannot run here, or undefined when it can. */
function unavailable(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (network namespaces need root)';
  const probe = spawnSync('ip', ['netns', 'add', `${tag}probe`], { encoding: 'utf8' });
  if (probe.error !== undefined) return `no 'ip' command (${probe.error.message})`;
  if (probe.status !== 0) return `'ip netns add' failed: ${probe.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', `${tag}probe`]);
  return undefined;
}

const reason = unavailable();
if (reason !== undefined) console.log(`netns test skipped: ${reason}`);

let dir: string;
let netem = 'not tried';
const nodes: Launched[] = [];

describe.skipIf(reason !== undefined)('Bracha across four network namespaces', () => {
  beforeAll(async () => {
    ip('netns', 'add', sw);
    ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', sw, 'link', 'set', 'br0', 'up');
    hosts.forEach((h, i) => {
      ip('netns', 'add', h);
      ip('-n', h, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `port${i}`, 'netns', sw);
      ip('-n', sw, 'link', 'set', `port${i}`, 'master', 'br0');
      ip('-n', sw, 'link', 'set', `port${i}`, 'up');
      ip('-n', h, 'addr', 'add', `${address(i)}/24`, 'dev', 'eth0');
      ip('-n', h, 'link', 'set', 'eth0', 'up');
      ip('-n', h, 'link', 'set', 'lo', 'up');
    });
    const tc = spawnSync('ip', ['netns', 'exec', hosts[0]!, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'delay', '20ms', '5ms', 'loss', '2%'], { encoding: 'utf8' });
    if (tc.status === 0) {
      for (const h of hosts.slice(1)) execFileSync('ip', ['netns', 'exec', h, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'delay', '20ms', '5ms', 'loss', '2%']);
      netem = 'delay 20ms ±5ms, loss 2% on every host';
    } else {
      netem = `unavailable (${(tc.stderr || String(tc.error)).trim()}): plain veth links`;
    }
    console.log(`netns test: tc netem ${netem}`);
    dir = mkdtempSync(join(tmpdir(), 'rio-netns-'));
    await writeCluster({ nodes: 4, outDir: dir, hosts: hosts.map((_, i) => address(i)), basePort: 7400, baseHttpPort: 8400, params: { n: 4, f: 1, sender: 0 } });
  });

  afterAll(async () => {
    await Promise.all(nodes.map((n) => stopNode(n, 1_000)));
    for (const ns of [...hosts, sw]) spawnSync('ip', ['netns', 'del', ns]);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('every process delivers the broadcast', async () => {
    hosts.forEach((h, i) =>
      nodes.push(
        launchNode({
          cli, spec: join(repo, 'specs', 'bracha-broadcast.rio'), config: join(dir, 'cluster.json'), id: i, wrapper: ['ip', 'netns', 'exec', h],
          extraArgs: ['--tick-ms', '50'], readyTimeoutMs: 15_000,
        }),
      ),
    );
    await Promise.all(nodes.map((n) => n.ready));
    // Each API listens on 127.0.0.1 inside its own namespace: reach process 0's from there.
    const post = spawnSync(
      'ip',
      ['netns', 'exec', hosts[0]!, process.execPath, '-e',
        "fetch('http://127.0.0.1:8400/requests',{method:'POST',headers:{'content-type':'application/json'},body:'{\"type\":\"broadcast\",\"m\":7}'}).then(r=>process.exit(r.status===202?0:1),()=>process.exit(2))"],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(post.status).toBe(0);
    const delivered = (n: Launched) => n.logs.filter((l) => l['event'] === 'indication').map((l) => l['indication']);
    await eventually('all four deliver', () => nodes.every((n) => delivered(n).length > 0), 10_000);
    expect(nodes.map(delivered)).toEqual([0, 1, 2, 3].map(() => [{ type: 'deliver', m: 7 }]));
    // They talked over the veth links, to each other's namespace addresses.
    const listening = nodes.map((n) => n.logs.find((l) => l['event'] === 'ready')?.['peerPort']);
    expect(listening).toEqual([7400, 7400, 7400, 7400]);
  }, 30_000);
});
