import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startModelServer, type ModelServer } from "@monoclaw/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { preflightModel } from "./model-preflight.js";

let server: ModelServer | undefined;
let plain: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  await new Promise((resolve) => (plain === undefined ? resolve(undefined) : plain.close(resolve)));
  plain = undefined;
});

/** A port nothing listens on: bind, note the port, close. */
async function deadPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe("preflightModel", () => {
  it("passes when the key is set and the server answers", async () => {
    server = await startModelServer();
    const result = await preflightModel({ model: "anthropic/claude-sonnet-4-5", env: { ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: server.url } });
    expect(result.ok).toBe(true);
  });

  it("reports a missing key without touching the network", async () => {
    const result = await preflightModel({ model: "openai/gpt-4.1", env: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("MISSING_KEY");
    expect(result.error.message).toContain("OPENAI_API_KEY");
  });

  it("reports an unreachable OpenAI-compatible server, naming providers.<name>.base_url", async () => {
    const port = await deadPort();
    const result = await preflightModel({ model: "ollama/qwen3", providers: { ollama: { base_url: `http://127.0.0.1:${port}/v1` } }, env: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("UNREACHABLE");
    expect(result.error.setting).toBe("providers.ollama.base_url");
    expect(result.error.message).toContain("ECONNREFUSED");
    expect(result.error.message).toContain(`127.0.0.1:${port}`);
  });

  it("names OPENAI_BASE_URL when that is where the unreachable URL came from", async () => {
    const port = await deadPort();
    const result = await preflightModel({ model: "openai/gpt-4.1", env: { OPENAI_API_KEY: "k", OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.setting).toBe("OPENAI_BASE_URL");
  });

  it("reports a rejected key (401), naming where the key came from", async () => {
    plain = createServer((_request, response) => {
      response.writeHead(401, { "content-type": "application/json" });
      response.end('{"error":{"message":"bad key"}}');
    });
    await new Promise<void>((resolve) => plain!.listen(0, "127.0.0.1", resolve));
    const { port } = plain.address() as AddressInfo;
    const result = await preflightModel({ model: "anthropic/claude-x", env: { ANTHROPIC_API_KEY: "wrong", ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}` } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("KEY_REJECTED");
    expect(result.error.setting).toBe("ANTHROPIC_API_KEY");
  });

  it("reports a server that accepts the connection but never answers, after the timeout", async () => {
    plain = createServer(() => undefined);
    await new Promise<void>((resolve) => plain!.listen(0, "127.0.0.1", resolve));
    const { port } = plain.address() as AddressInfo;
    const result = await preflightModel({ model: "vllm/llama", providers: { vllm: { base_url: `http://127.0.0.1:${port}/v1` } } }, { timeoutMs: 300 });
    plain.closeAllConnections();
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain("no answer within 300 ms");
  });
});
