import { Agent, type ClientRequestArgs } from "node:http";
import type { Duplex } from "node:stream";
import { Client, type ConnectConfig } from "ssh2";

/** How long the SSH connection stays open without a channel before it is ended. */
const IDLE_MS = 2_000;

/**
 * An HTTP agent whose connections are `docker system dial-stdio` channels on
 * one SSH connection to the engine's host, as the docker CLI does it. The SSH
 * handshake happens once for many requests (dockerode's own ssh transport
 * makes one per request, and prints a URL deprecation warning). The
 * connection opens on first use, again after it drops, and ends by itself
 * once no channel has been open for 2 s, so it never keeps a finished process
 * alive. `docker` must be on the remote user's PATH.
 */
export class SshDialAgent extends Agent {
  private connection: Promise<Client> | undefined;
  private openChannels = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly config: ConnectConfig) {
    super({ keepAlive: false });
  }

  override createConnection(_options: ClientRequestArgs, callback?: (error: Error | null, stream: Duplex) => void): undefined {
    this.channelOpened();
    this.connect().then(
      (client) =>
        client.exec("docker system dial-stdio", (error, channel) => {
          if (error) {
            this.channelClosed();
            callback?.(error, undefined as unknown as Duplex);
            return;
          }
          channel.once("close", () => this.channelClosed());
          callback?.(null, channel);
        }),
      (error: Error) => {
        this.channelClosed();
        callback?.(error, undefined as unknown as Duplex);
      },
    );
    return undefined;
  }

  /** Ends the SSH connection and every channel on it now. */
  override destroy(): void {
    super.destroy();
    clearTimeout(this.idleTimer);
    const current = this.connection;
    this.connection = undefined;
    void current?.then((client) => client.end()).catch(() => undefined);
  }

  private channelOpened(): void {
    this.openChannels += 1;
    clearTimeout(this.idleTimer);
  }

  private channelClosed(): void {
    this.openChannels -= 1;
    if (this.openChannels > 0) return;
    this.idleTimer = setTimeout(() => this.destroy(), IDLE_MS);
    this.idleTimer.unref();
  }

  private connect(): Promise<Client> {
    if (this.connection !== undefined) return this.connection;
    const attempt = new Promise<Client>((resolve, reject) => {
      const client = new Client();
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
    });
    this.connection = attempt;
    return attempt;
  }
}
