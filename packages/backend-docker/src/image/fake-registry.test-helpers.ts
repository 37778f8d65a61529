import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { posix } from "node:path";
import { gzipSync } from "node:zlib";
import type Docker from "dockerode";
import { extract, pack } from "tar-stream";

const MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";
const CONFIG_V1 = "application/vnd.docker.container.image.v1+json";
const LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
const PADDING_BYTES = 1 << 20;

/** One request the registry answered (TLS probes that never became HTTP are not recorded). */
export interface RegistryRequest {
  method: string;
  path: string;
}

export interface FakeRegistry {
  /** `127.0.0.1:<port>`: dockerd treats 127.0.0.0/8 as insecure, so it pulls over plain HTTP. */
  readonly host: string;
  /** The repository it serves, e.g. `monoclaw-test/pulled`. */
  readonly repository: string;
  /** `127.0.0.1:<port>/<repository>:<tag>`. */
  reference(tag: string): string;
  /** The marker file's path in every image served and its content for `tag` (proves an image came from here). */
  readonly markerPath: string;
  marker(tag: string): string;
  /** Every request so far, oldest first. */
  readonly requests: readonly RegistryRequest[];
  /** Requests for the manifest of `tag` (HEAD or GET). */
  manifestRequests(tag: string): RegistryRequest[];
  clearRequests(): void;
  /** Stops serving `tag` (its manifest becomes unknown), as if it was deleted upstream. */
  removeTag(tag: string): void;
  close(): Promise<void>;
}

export interface FakeRegistryOptions {
  /** Engine to read the base image from (`docker save` through the Engine API). */
  docker: Docker;
  /** A local image whose config and layers every tag is built from. */
  baseImage: string;
  /** Repository name served. Default `monoclaw-test/pulled`. */
  repository?: string;
  /** Tags served; each gets its own small extra layer, so every tag is a distinct image that really has to be downloaded. */
  tags: string[];
}

interface Blob {
  mediaType: string;
  body: Buffer;
}

/**
 * A tiny Docker Distribution API v2 registry on 127.0.0.1 (random port),
 * enough for dockerd 20.10 to pull: `GET /v2/`, `HEAD`/`GET` manifests by tag
 * or digest (schema2), `HEAD`/`GET` blobs. Read-only: no push, no auth, no
 * range requests. Every tag is the base image plus one gzip layer holding
 * {@link FakeRegistry.markerPath} (`<tag> <nonce>`) and 1 MiB of random
 * padding, so a pull always downloads something with progress to show and a
 * test can tell the pulled image from any other.
 * Unknown names, tags and digests get the registry's JSON errors with 404.
 */
export async function startFakeRegistry(options: FakeRegistryOptions): Promise<FakeRegistry> {
  const repository = options.repository ?? "monoclaw-test/pulled";
  const markerPath = "/monoclaw-pulled";
  const nonce = randomBytes(8).toString("hex");
  const marker = (tag: string) => `${tag} ${nonce}\n`;
  const base = await readSavedImage(options.docker, options.baseImage);

  const blobs = new Map<string, Blob>();
  const manifests = new Map<string, { digest: string; body: Buffer }>(); // by tag and by digest
  const addBlob = (mediaType: string, body: Buffer) => {
    const digest = sha256(body);
    blobs.set(digest, { mediaType, body });
    return { mediaType, size: body.length, digest };
  };
  const baseLayers = base.layers.map((layer) => addBlob(LAYER_GZIP, gzipSync(layer)));
  for (const tag of options.tags) {
    // The padding makes the download big enough for several progress events (random: gzip cannot shrink it).
    const markerLayer = await tarOf({ [markerPath.slice(1)]: marker(tag), "monoclaw-pulled.pad": randomBytes(PADDING_BYTES) });
    const config = structuredClone(base.config) as ImageConfig;
    config.rootfs.diff_ids = [...config.rootfs.diff_ids, sha256(markerLayer)];
    config.history = [...(config.history ?? []), { created: new Date().toISOString(), created_by: `fake registry: ${markerPath} for ${tag}` }];
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST_V2,
        config: addBlob(CONFIG_V1, Buffer.from(JSON.stringify(config))),
        layers: [...baseLayers, addBlob(LAYER_GZIP, gzipSync(markerLayer))],
      }),
    );
    const entry = { digest: sha256(manifest), body: manifest };
    manifests.set(tag, entry);
    manifests.set(entry.digest, entry);
  }

  const requests: RegistryRequest[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    requests.push({ method: req.method ?? "GET", path });
    answer(req, res, path);
  });

  const answer = (req: IncomingMessage, res: ServerResponse, path: string) => {
    res.setHeader("Docker-Distribution-API-Version", "registry/2.0");
    if (req.method !== "GET" && req.method !== "HEAD") return fail(res, 405, "UNSUPPORTED", "this registry is read-only");
    if (path === "/v2/" || path === "/v2") return send(req, res, "application/json", Buffer.from("{}"));
    const match = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    if (!match) return fail(res, 404, "NOT_FOUND", `no route for ${path}`);
    const [, name, kind, ref] = match as unknown as [string, string, string, string];
    if (name !== repository) return fail(res, 404, "NAME_UNKNOWN", `repository ${name} not known to registry`);
    if (kind === "manifests") {
      const manifest = manifests.get(ref);
      if (!manifest) return fail(res, 404, "MANIFEST_UNKNOWN", `manifest unknown: ${ref}`);
      res.setHeader("Docker-Content-Digest", manifest.digest);
      return send(req, res, MANIFEST_V2, manifest.body);
    }
    const blob = blobs.get(ref);
    if (!blob) return fail(res, 404, "BLOB_UNKNOWN", `blob unknown to registry: ${ref}`);
    res.setHeader("Docker-Content-Digest", ref);
    return send(req, res, blob.mediaType === LAYER_GZIP ? "application/octet-stream" : blob.mediaType, blob.body);
  };

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    host,
    repository,
    reference: (tag) => `${host}/${repository}:${tag}`,
    markerPath,
    marker,
    requests,
    manifestRequests: (tag) => requests.filter((r) => r.path === `/v2/${repository}/manifests/${tag}`),
    clearRequests: () => void requests.splice(0),
    removeTag(tag) {
      manifests.delete(tag);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface ImageConfig {
  rootfs: { type: string; diff_ids: string[] };
  history?: { created?: string; created_by?: string; empty_layer?: boolean }[];
}

/** The config and uncompressed layer tars of a local image, read from `docker save` (checked against the config's diff_ids). */
async function readSavedImage(docker: Docker, image: string): Promise<{ config: ImageConfig; layers: Buffer[] }> {
  const files = new Map<string, Buffer>();
  const links = new Map<string, string>();
  const archive = extract();
  const done = new Promise<void>((resolve, reject) => {
    archive.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on("end", () => {
        if (header.type === "symlink" && header.linkname) links.set(header.name, posix.join(posix.dirname(header.name), header.linkname));
        else if (header.type === "file") files.set(header.name, Buffer.concat(chunks));
        next();
      });
      stream.on("error", reject);
    });
    archive.on("finish", resolve);
    archive.on("error", reject);
  });
  const saved = (await docker.getImage(image).get()) as NodeJS.ReadableStream;
  saved.on("error", (error) => archive.destroy(error as Error));
  saved.pipe(archive);
  await done;

  const read = (name: string): Buffer => {
    const file = files.get(name) ?? files.get(links.get(name) ?? "");
    if (!file) throw new Error(`docker save of ${image} has no ${name}`);
    return file;
  };
  const [entry] = JSON.parse(read("manifest.json").toString("utf8")) as { Config: string; Layers: string[] }[];
  if (!entry) throw new Error(`docker save of ${image} lists no image in manifest.json`);
  const config = JSON.parse(read(entry.Config).toString("utf8")) as ImageConfig;
  const layers = entry.Layers.map(read);
  layers.forEach((layer, i) => {
    if (sha256(layer) !== config.rootfs.diff_ids[i])
      throw new Error(`layer ${entry.Layers[i]} of ${image} does not match diff_id ${config.rootfs.diff_ids[i]}`);
  });
  return { config, layers };
}

/** An uncompressed tar holding regular files. */
function tarOf(files: Record<string, string | Buffer>): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
  const ended = new Promise<Buffer>((resolve, reject) => {
    archive.on("end", () => resolve(Buffer.concat(chunks)));
    archive.on("error", reject);
  });
  for (const [name, content] of Object.entries(files)) archive.entry({ name, mode: 0o644, mtime: new Date(0) }, content);
  archive.finalize();
  return ended;
}

function sha256(body: Buffer): string {
  return `sha256:${createHash("sha256").update(body).digest("hex")}`;
}

function send(req: IncomingMessage, res: ServerResponse, contentType: string, body: Buffer): void {
  res.writeHead(200, { "Content-Type": contentType, "Content-Length": body.length });
  res.end(req.method === "HEAD" ? undefined : body);
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  const body = Buffer.from(JSON.stringify({ errors: [{ code, message, detail: null }] }));
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": body.length });
  res.end(body);
}
