/**
 * Peer-to-peer transport: TCP with mutual TLS 1.3. Every process listens for its peers and
 * dials each of them; a connection it dials carries its messages to that peer, a connection
 * it accepts carries that peer's messages to it, so a pair never has to agree on which of
 * two connections to keep.
 *
 * Trust: the only certificates accepted, on either side, are the ones in the cluster
 * configuration (each self-signed, given to OpenSSL as the only trust anchors, so an
 * unknown certificate fails the handshake), and a connection's peer id is the id whose
 * pinned SHA-256 fingerprint matches the certificate the peer proved it holds, never
 * anything the peer says. A dialled peer must present the certificate pinned for the id
 * we meant to reach.
 *
 * Resources: per peer, a bounded queue of frames waiting for the socket (messages beyond
 * it are dropped and counted, as a lossy link would: a slow or hostile peer cannot grow our
 * memory), written only while the socket accepts more (back-pressure through 'drain');
 * redialled with exponential backoff after a failure. Incoming bytes go through a decoder
 * that holds at most one frame.
 */
import type { Socket } from 'node:net';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import type { ClusterConfig, NodeKeys } from './config.js';
import { DEFAULT_MAX_FRAME, encodeFrame, FrameDecoder } from './frame.js';
import type { Logger } from './log.js';

export interface TransportOptions {
  readonly config: ClusterConfig;
  readonly self: number;
  readonly keys: NodeKeys;
  readonly log: Logger;
  /** A decoded frame from an authenticated peer (not yet type-checked). */
  readonly onFrame: (from: number, value: unknown) => void;
  /** A frame dropped before decoding succeeded: counted and logged by the caller too. */
  readonly onBadFrame: (from: number, kind: 'malformed' | 'oversize', detail: string) => void;
  readonly maxFrame?: number;
  /** Frames held per peer while it is slow or unreachable. */
  readonly maxQueue?: number;
  /** Address to listen on (default: all interfaces, so peers on other hosts reach it). */
  readonly listenHost?: string;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /**
   * Frames per second read from one peer before its connection is paused for the rest of the
   * 100 ms window (TCP then slows the sender down): a flooding peer cannot take all our CPU.
   */
  readonly maxFramesPerSecond?: number;
}

export interface PeerStats {
  readonly id: number;
  readonly connected: boolean;
  readonly queued: number;
  readonly sent: number;
  readonly droppedQueueFull: number;
  readonly reconnects: number;
}

const TLS13 = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } as const;

/** An outgoing link to one peer. */
/** At most this many bytes of queued frames are joined into one socket write. */
const COALESCE_BYTES = 256 * 1024;

class OutLink {
  socket: TLSSocket | undefined;
  connected = false;
  readonly queue: Buffer[] = [];
  sent = 0;
  droppedQueueFull = 0;
  reconnects = 0;
  backoff: number;
  timer: NodeJS.Timeout | undefined;
  waitingForDrain = false;
  /** A flush is queued for when the current synchronous run of sends ends. */
  flushQueued = false;

  constructor(readonly id: number, minBackoff: number) {
    this.backoff = minBackoff;
  }
}

export class Transport {
  private server: Server | undefined;
  private readonly links = new Map<number, OutLink>();
  /** The live incoming connection of each peer (a newer one replaces an older one). */
  private readonly incoming = new Map<number, TLSSocket>();
  /** Every accepted TCP connection, authenticated or not, so that `stop` can end them all. */
  private readonly accepted = new Set<Socket>();
  private readonly byFingerprint: Map<string, number>;
  private stopped = false;
  private readonly maxFrame: number;
  private readonly maxQueue: number;
  private readonly minBackoff: number;
  private readonly maxBackoff: number;
  private readonly framesPerWindow: number;
  /** Handshakes refused (unknown certificates and the like). */
  refusedHandshakes = 0;
  /** Times a peer's incoming connection was paused for sending too fast. */
  throttled = 0;

  constructor(private readonly options: TransportOptions) {
    this.byFingerprint = new Map(options.config.nodes.map((n) => [n.fingerprint, n.id]));
    this.maxFrame = options.maxFrame ?? DEFAULT_MAX_FRAME;
    this.maxQueue = options.maxQueue ?? 10_000;
    this.minBackoff = options.minBackoffMs ?? 50;
    this.maxBackoff = options.maxBackoffMs ?? 1_000;
    this.framesPerWindow = Math.max(1, Math.floor((options.maxFramesPerSecond ?? 50_000) / 10));
  }

  private get trustAnchors(): string[] {
    return this.options.config.nodes.map((n) => n.certificate);
  }

  /** Listens for peers and dials every other process. */
  async start(): Promise<void> {
    const me = this.options.config.nodes[this.options.self]!;
    const server = createServer({
      ...TLS13,
      key: this.options.keys.tlsKey,
      cert: this.options.keys.tlsCert,
      ca: this.trustAnchors,
      requestCert: true,
      rejectUnauthorized: true,
      // A client that opens a connection and never finishes the handshake is cut off soon.
      handshakeTimeout: 5_000,
    });
    server.on('connection', (socket: Socket) => {
      if (this.stopped) return void socket.destroy();
      this.accepted.add(socket);
      socket.on('close', () => this.accepted.delete(socket));
    });
    server.on('secureConnection', (socket) => this.accept(socket));
    server.on('tlsClientError', (error, socket) => {
      this.refusedHandshakes++;
      // Node checks the client certificate as the handshake completes and closes the connection
      // when it is not trusted; the reason is in authorizationError (e.g. DEPTH_ZERO_SELF_SIGNED_CERT:
      // a self-signed certificate that is not one of the pinned ones).
      const authorizationError = (socket as TLSSocket).authorizationError as Error | string | undefined;
      this.options.log.log('warn', 'handshake-refused', {
        remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
        reason: authorizationError === undefined ? error.message : String(authorizationError),
      });
    });
    server.on('error', (error) => this.options.log.log('error', 'listen-error', { reason: error.message }));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(me.port, this.options.listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.options.log.log('info', 'listening', { port: me.port });
    for (const node of this.options.config.nodes) {
      if (node.id === this.options.self) continue;
      const link = new OutLink(node.id, this.minBackoff);
      this.links.set(node.id, link);
      this.dial(link);
    }
  }

  private accept(socket: TLSSocket): void {
    if (this.stopped) return void socket.destroy();
    const fingerprint = socket.getPeerCertificate().fingerprint256;
    const from = fingerprint === undefined ? undefined : this.byFingerprint.get(fingerprint);
    if (from === undefined || from === this.options.self || !socket.authorized) {
      this.refusedHandshakes++;
      this.options.log.log('warn', 'peer-refused', { fingerprint, reason: socket.authorizationError ?? 'certificate not pinned for any other process' });
      socket.destroy();
      return;
    }
    this.incoming.get(from)?.destroy();
    this.incoming.set(from, socket);
    this.options.log.log('info', 'peer-connected-in', { peer: from });
    const decoder = new FrameDecoder(this.maxFrame);
    // At most framesPerWindow frames per 100 ms window; beyond, the socket is paused (and
    // what is already read waits in the decoder) until the window ends.
    let windowStart = Date.now();
    let framesInWindow = 0;
    let paused = false;
    const pump = (chunk: Buffer) => {
      const now = Date.now();
      if (now - windowStart >= 100) {
        windowStart = now;
        framesInWindow = 0;
      }
      const frames = decoder.push(chunk, this.framesPerWindow - framesInWindow);
      framesInWindow += frames.length;
      for (const decoded of frames) {
        if (decoded.kind === 'message') this.options.onFrame(from, decoded.value);
        else if (decoded.kind === 'oversize') this.options.onBadFrame(from, 'oversize', `frame of ${decoded.length} bytes (the limit is ${this.maxFrame})`);
        else this.options.onBadFrame(from, 'malformed', decoded.reason);
      }
      if (framesInWindow < this.framesPerWindow || this.stopped || socket.destroyed) return;
      this.throttled++;
      paused = true;
      socket.pause();
      setTimeout(() => {
        if (this.stopped || socket.destroyed) return;
        paused = false;
        windowStart = Date.now();
        framesInWindow = 0;
        pump(Buffer.alloc(0));
        if (!paused) socket.resume();
      }, Math.max(1, 100 - (now - windowStart))).unref();
    };
    socket.on('data', pump);
    socket.on('error', (error) => this.options.log.log('debug', 'peer-in-error', { peer: from, reason: error.message }));
    socket.on('close', () => {
      if (this.incoming.get(from) === socket) this.incoming.delete(from);
    });
  }

  private dial(link: OutLink): void {
    if (this.stopped) return;
    const peer = this.options.config.nodes[link.id]!;
    const socket = connect({
      ...TLS13,
      host: peer.host,
      port: peer.port,
      key: this.options.keys.tlsKey,
      cert: this.options.keys.tlsCert,
      ca: [peer.certificate],
      // The pin replaces host-name checks: the peer must hold the certificate configured for its id.
      checkServerIdentity: (_host, cert) => (cert.fingerprint256 === peer.fingerprint ? undefined : new Error(`peer ${link.id} presented certificate ${cert.fingerprint256}, not the pinned ${peer.fingerprint}`)),
    });
    link.socket = socket;
    socket.setNoDelay(true);
    socket.once('secureConnect', () => {
      link.connected = true;
      link.backoff = this.minBackoff;
      this.options.log.log('info', 'peer-connected-out', { peer: link.id });
      this.flush(link);
    });
    socket.on('drain', () => {
      link.waitingForDrain = false;
      this.flush(link);
    });
    socket.on('data', () => {}); // peers never write on our outgoing connection; keep the stream flowing
    socket.on('error', (error) => this.options.log.log('debug', 'peer-out-error', { peer: link.id, reason: error.message }));
    socket.on('close', () => {
      if (link.socket !== socket) return;
      const was = link.connected;
      link.socket = undefined;
      link.connected = false;
      link.waitingForDrain = false;
      if (this.stopped) return;
      if (was) this.options.log.log('info', 'peer-disconnected', { peer: link.id });
      link.reconnects++;
      link.timer = setTimeout(() => this.dial(link), link.backoff);
      link.backoff = Math.min(this.maxBackoff, link.backoff * 2);
    });
  }

  private flush(link: OutLink): void {
    const socket = link.socket;
    if (socket === undefined || !link.connected || link.waitingForDrain) return;
    // The frames queued so far go out in as few writes (TLS records, system calls) as they fit in.
    while (link.queue.length > 0) {
      let count = 0;
      let bytes = 0;
      while (count < link.queue.length && (count === 0 || bytes + link.queue[count]!.length <= COALESCE_BYTES)) bytes += link.queue[count++]!.length;
      const frames = link.queue.splice(0, count);
      link.sent += count;
      if (!socket.write(count === 1 ? frames[0]! : Buffer.concat(frames, bytes))) {
        link.waitingForDrain = true;
        return;
      }
    }
  }

  /** Queues a message for a peer; false when its queue is full and the message was dropped. */
  send(to: number, message: unknown): boolean {
    const link = this.links.get(to);
    if (link === undefined) return false;
    if (link.queue.length >= this.maxQueue) {
      link.droppedQueueFull++;
      if (link.droppedQueueFull === 1 || link.droppedQueueFull % 1000 === 0) this.options.log.log('warn', 'queue-full', { peer: to, dropped: link.droppedQueueFull });
      return false;
    }
    link.queue.push(encodeFrame(message));
    // Sends made in one synchronous run (the effects of a group of steps) are written together.
    if (!link.flushQueued) {
      link.flushQueued = true;
      queueMicrotask(() => {
        link.flushQueued = false;
        this.flush(link);
      });
    }
    return true;
  }

  stats(): PeerStats[] {
    return [...this.links.values()].map((l) => ({
      id: l.id, connected: l.connected, queued: l.queue.length, sent: l.sent, droppedQueueFull: l.droppedQueueFull, reconnects: l.reconnects,
    }));
  }

  /** The peers whose incoming connection is up. */
  connectedIn(): number[] {
    return [...this.incoming.keys()].sort((a, b) => a - b);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const link of this.links.values()) {
      clearTimeout(link.timer);
      link.socket?.destroy();
    }
    for (const socket of this.incoming.values()) socket.destroy();
    // Connections still in their handshake would keep `close` waiting.
    for (const socket of this.accepted) socket.destroy();
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }
}
