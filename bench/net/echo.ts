/**
 * The baseline's far end: a mutual-TLS 1.3 server with one cluster node's keys (the same
 * certificates, pinning and socket options as the transport) that writes every byte it
 * receives straight back. Usage: node echo.js CONFIG ID. Prints "ready" when listening.
 */
import { join, dirname } from 'node:path';
import { createServer } from 'node:tls';
import { readConfig, readNodeKeys } from '../../runtime/net/config.js';

const [configPath, idText] = process.argv.slice(2);
const config = readConfig(configPath!);
const id = Number(idText);
const keys = readNodeKeys(join(dirname(configPath!), `node-${id}`));
const server = createServer({
  minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', key: keys.tlsKey, cert: keys.tlsCert,
  ca: config.nodes.map((n) => n.certificate), requestCert: true, rejectUnauthorized: true,
});
server.on('secureConnection', (socket) => {
  socket.setNoDelay(true);
  socket.pipe(socket);
});
server.listen(config.nodes[id]!.port, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
