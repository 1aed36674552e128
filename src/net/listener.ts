import { chmodSync, lstatSync, unlinkSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import type { ListenAddress } from "../config/index.js";
import { ConnectionLimits } from "./connection-limits.js";

export interface ListenerOptions {
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** Seconds without input before `onIdle` is called. */
  idleTimeout: number;
}

export interface ConnectionInfo {
  /** The peer, "ip:port", or "unix" for a unix socket. */
  peer: string;
  ip: string;
}

export interface ConnectionHandler {
  /** An admitted connection; it counts against the limits until the socket closes. */
  onConnection(socket: Socket, info: ConnectionInfo): void;
  /** A connection over the limits: write the protocol's refusal; the socket is then closed. */
  onRefused(socket: Socket, reason: string): void;
  /** No input for `idleTimeout` seconds: say goodbye; the socket is then closed. */
  onIdle(socket: Socket): void;
}

/** TCP and unix-socket listeners with connection limits, per-IP limits, idle timeouts and TCP keepalive. */
export class Listeners {
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly limits: ConnectionLimits;

  private constructor(private readonly options: ListenerOptions) {
    this.limits = new ConnectionLimits(options.maxConnections, options.maxConnectionsPerIp);
  }

  /** Binds every address, or none: on a failure the ones already bound are closed again. */
  static open(
    addresses: ListenAddress[],
    options: ListenerOptions,
    handler: ConnectionHandler,
  ): Promise<Listeners> {
    return Listeners.openGroups([{ addresses, handler }], options);
  }

  /**
   * Several sets of addresses, each with its own handler (the plain and implicit-TLS ports of
   * one protocol), as one service with one set of limits across all of them.
   */
  static async openGroups(
    groups: { addresses: ListenAddress[]; handler: ConnectionHandler }[],
    options: ListenerOptions,
  ): Promise<Listeners> {
    const listeners = new Listeners(options);
    try {
      for (const { addresses, handler } of groups)
        for (const address of addresses) listeners.servers.push(await listeners.bind(address, handler));
    } catch (err) {
      await listeners.stopAccepting();
      throw err;
    }
    return listeners;
  }

  private bind(address: ListenAddress, handler: ConnectionHandler): Promise<Server> {
    const server = createServer((socket) => this.accept(socket, handler));
    if (address.kind === "unix") removeStaleSocket(address.path);
    return new Promise((resolve, reject) => {
      server.once("error", (err) =>
        reject(new Error(`cannot listen on ${describe(address)}: ${err.message}`)),
      );
      const ready = () => {
        server.removeAllListeners("error");
        server.on("error", () => {});
        // Only the owner (the MTA or proxy in front, configured to run as the same user) may connect.
        if (address.kind === "unix") chmodSync(address.path, 0o600);
        resolve(server);
      };
      if (address.kind === "unix") server.listen(address.path, ready);
      else server.listen(address.port, address.host, ready);
    });
  }

  private accept(socket: Socket, handler: ConnectionHandler): void {
    // A reset by the peer must never take the process down.
    socket.on("error", () => socket.destroy());
    const ip = socket.remoteAddress ?? "unix";
    const info: ConnectionInfo = { ip, peer: socket.remoteAddress ? `${ip}:${socket.remotePort}` : "unix" };
    const admitted = this.limits.admit(ip);
    if ("refused" in admitted) {
      handler.onRefused(socket, admitted.refused);
      socket.end();
      socket.destroySoon?.();
      return;
    }
    this.sockets.add(socket);
    socket.once("close", () => {
      this.sockets.delete(socket);
      admitted.release();
    });
    socket.setKeepAlive(true, 60_000);
    socket.setNoDelay(true);
    socket.setTimeout(this.options.idleTimeout * 1000, () => {
      handler.onIdle(socket);
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
    handler.onConnection(socket, info);
  }

  sessionCount(): number {
    return this.sockets.size;
  }

  /** Stops accepting; open connections go on. */
  async stopAccepting(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve())),
      ),
    );
  }

  /** Closes every open connection at once. */
  closeSessions(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}

function describe(address: ListenAddress): string {
  return address.kind === "unix" ? `unix:${address.path}` : `${address.host}:${address.port}`;
}

/** A socket file left by a previous run would make listen() fail with EADDRINUSE; anything else is kept. */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}
