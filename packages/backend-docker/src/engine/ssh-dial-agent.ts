import { Agent, type ClientRequest, type ClientRequestArgs } from "node:http";
import type { Duplex } from "node:stream";
import type { Client, ConnectConfig } from "ssh2";

/** How long the SSH connection stays open with no request in flight before it is ended. */
const IDLE_MS = 2_000;

/**
 * An HTTP agent whose connections are `docker system dial-stdio` channels on
 * one SSH connection to the engine's host, as the docker CLI does it. The SSH
 * handshake happens once for many requests (dockerode's own ssh transport
 * makes one per request, and prints a URL deprecation warning), and channels
 * are kept alive between requests. The connection opens on first use, again
 * after it drops, and ends by itself once no request has been in flight for
 * 2 s, so it never keeps a finished process alive. `docker` must be on the
 * remote user's PATH.
 */
export class SshDialAgent extends Agent {
  private connection: Promise<Client> | undefined;
  /** Channels carrying a request (or a hijacked stream) right now. */
  private readonly busy = new Set<Duplex>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly config: ConnectConfig) {
    super({ keepAlive: true });
  }

  override createConnection(_options: ClientRequestArgs, callback?: (error: Error | null, stream: Duplex) => void): undefined {
    clearTimeout(this.idleTimer);
    this.connect().then(
      (client) =>
        client.exec("docker system dial-stdio", (error, channel) => {
          if (error) {
            this.armIdleTimer();
            callback?.(error, undefined as unknown as Duplex);
            return;
          }
          this.markBusy(channel);
          channel.once("close", () => this.markFree(channel));
          callback?.(null, channel);
        }),
      (error: Error) => {
        this.armIdleTimer();
        callback?.(error, undefined as unknown as Duplex);
      },
    );
    return undefined;
  }

  // Node's versions call TCP socket methods (setKeepAlive, unref, ref) that an SSH channel lacks.
  override keepSocketAlive(socket: Duplex): boolean {
    this.markFree(socket);
    return true;
  }

  override reuseSocket(socket: Duplex, request: ClientRequest): void {
    request.reusedSocket = true;
    this.markBusy(socket);
  }

  /** Ends the SSH connection and every channel on it now. */
  override destroy(): void {
    super.destroy();
    clearTimeout(this.idleTimer);
    this.busy.clear();
    const current = this.connection;
    this.connection = undefined;
    void current?.then((client) => client.end()).catch(() => undefined);
  }

  private markBusy(channel: Duplex): void {
    this.busy.add(channel);
    clearTimeout(this.idleTimer);
  }

  private markFree(channel: Duplex): void {
    if (this.busy.delete(channel)) this.armIdleTimer();
  }

  private armIdleTimer(): void {
    if (this.busy.size > 0) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.destroy(), IDLE_MS);
    this.idleTimer.unref();
  }

  private connect(): Promise<Client> {
    if (this.connection !== undefined) return this.connection;
    // ssh2 loads on the first ssh:// request, not with this module: a process on a local engine never pays for it.
    const attempt = import("ssh2").then(
      ({ Client: SshClient }) =>
        new Promise<Client>((resolve, reject) => {
          const client = new SshClient();
          const forget = () => {
            if (this.connection === attempt) this.connection = undefined;
          };
          client.once("ready", () => resolve(client));
          // Before `ready` an error fails this attempt; after it, the next request reconnects.
          client.on("error", (error) => {
            forget();
            reject(error);
          });
          client.on("close", forget);
          client.connect(this.config);
          // Commands and their replies are small writes: with Nagle's algorithm
          // and delayed ACKs each round trip would wait about 40 ms.
          client.setNoDelay(true);
        }),
    );
    this.connection = attempt;
    return attempt;
  }
}
