import { startModelServer, step, type ModelServer } from "@monoclaw/testkit";
import { streamText } from "ai";
import { afterEach, describe, expect, it } from "vitest";
import { parseModelSpec, resolveModel } from "./model-registry.js";
import { ModelSetupError } from "./model-setup-error.js";

let server: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function setupError(run: () => unknown): ModelSetupError {
  try {
    run();
  } catch (error) {
    if (error instanceof ModelSetupError) return error;
    throw error;
  }
  throw new Error("expected a ModelSetupError");
}

async function complete(model: ReturnType<typeof resolveModel>["model"]): Promise<string> {
  const result = streamText({ model, prompt: "hi", maxRetries: 0 });
  return result.text;
}

describe("parseModelSpec", () => {
  it("splits at the first slash so vendor-prefixed ids survive", () => {
    expect(parseModelSpec("openrouter/anthropic/claude-3.5-sonnet")).toEqual({ provider: "openrouter", modelId: "anthropic/claude-3.5-sonnet" });
    expect(parseModelSpec("ollama/qwen3:8b")).toEqual({ provider: "ollama", modelId: "qwen3:8b" });
  });

  it("rejects a model without a provider, naming the form and where to set it", () => {
    for (const bad of ["gpt-4o", "/gpt-4o", "openai/"]) {
      const error = setupError(() => parseModelSpec(bad));
      expect(error.code).toBe("INVALID_MODEL");
      expect(error.message).toContain("<provider>/<model-id>");
      expect(error.message).toContain("--model");
    }
  });
});

describe("resolveModel: keys and URLs", () => {
  it("names ANTHROPIC_API_KEY and the config key when no Anthropic key is set", () => {
    const error = setupError(() => resolveModel({ model: "anthropic/claude-sonnet-4-5", env: {} }));
    expect(error.code).toBe("MISSING_KEY");
    expect(error.setting).toBe("ANTHROPIC_API_KEY");
    expect(error.message).toContain("providers.anthropic.api_key");
  });

  it("names OPENAI_API_KEY when no OpenAI key is set (an empty variable counts as unset)", () => {
    const error = setupError(() => resolveModel({ model: "openai/gpt-4.1", env: { OPENAI_API_KEY: "" } }));
    expect(error.setting).toBe("OPENAI_API_KEY");
  });

  it("prefers providers.<name>.api_key over the variable and expands ${VAR} in it", () => {
    const resolved = resolveModel({
      model: "anthropic/claude-sonnet-4-5",
      providers: { anthropic: { api_key: "${MY_KEY}" } },
      env: { ANTHROPIC_API_KEY: "from-env", MY_KEY: "from-config" },
    });
    expect(resolved.apiKey).toBe("from-config");
    expect(resolved.apiKeySource).toBe("providers.anthropic.api_key");
    expect(resolved.contextWindow).toBe(200_000);
    expect(resolved.vision).toBe(true);
  });

  it("reports a ${VAR} that is not set, naming the variable and the key", () => {
    const error = setupError(() => resolveModel({ model: "openai/gpt-4o", providers: { openai: { api_key: "${NOPE}" } }, env: {} }));
    expect(error.setting).toBe("NOPE");
    expect(error.message).toContain("providers.openai.api_key");
  });

  it("appends /v1 to an ANTHROPIC_BASE_URL given the way Anthropic's SDKs take it", () => {
    const resolved = resolveModel({ model: "anthropic/claude-x", env: { ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: "http://127.0.0.1:9/" } });
    expect(resolved.baseURL).toBe("http://127.0.0.1:9/v1");
  });

  it("rejects an unknown provider without a base_url, and an openai-compatible one without its URL", () => {
    const unknown = setupError(() => resolveModel({ model: "mystery/model", env: {} }));
    expect(unknown.code).toBe("UNKNOWN_PROVIDER");
    expect(unknown.setting).toBe("providers.mystery.base_url");
    const compatible = setupError(() => resolveModel({ model: "openai-compatible/llama3", env: {} }));
    expect(compatible.code).toBe("MISSING_BASE_URL");
    expect(compatible.message).toContain("providers.openai-compatible.base_url");
  });

  it("rejects a base_url that is not an http(s) URL", () => {
    const error = setupError(() => resolveModel({ model: "ollama/qwen3", providers: { ollama: { base_url: "localhost:11434" } }, env: {} }));
    expect(error.code).toBe("INVALID_BASE_URL");
    expect(error.setting).toBe("providers.ollama.base_url");
  });

  it("takes an unknown model's context window from providers.<name>.context_window", () => {
    const resolved = resolveModel({ model: "ollama/qwen3", providers: { ollama: { base_url: "http://127.0.0.1:1/v1", context_window: 8192 } } });
    expect(resolved.contextWindow).toBe(8192);
    expect(resolveModel({ model: "ollama/qwen3", providers: { ollama: { base_url: "http://127.0.0.1:1/v1" } } }).contextWindow).toBe(32_768);
  });
});

describe("resolveModel: real AI SDK clients against the scripted server", () => {
  it("anthropic/<id> speaks /v1/messages with x-api-key", async () => {
    server = await startModelServer([step.text("hello from claude")]);
    const resolved = resolveModel({ model: "anthropic/claude-sonnet-4-5", env: { ANTHROPIC_API_KEY: "sk-ant", ANTHROPIC_BASE_URL: server.url } });
    expect(await complete(resolved.model)).toBe("hello from claude");
    expect(server.requests[0]).toMatchObject({ format: "anthropic", path: "/v1/messages", body: { model: "claude-sonnet-4-5" } });
    expect(server.requests[0]!.headers["x-api-key"]).toBe("sk-ant");
  });

  it("openai/<id> speaks /v1/chat/completions with a bearer key, honouring OPENAI_BASE_URL", async () => {
    server = await startModelServer([step.text("hello from gpt")]);
    const resolved = resolveModel({ model: "openai/gpt-4.1", env: { OPENAI_API_KEY: "sk-oai", OPENAI_BASE_URL: server.baseURL } });
    expect(resolved.kind).toBe("openai");
    expect(await complete(resolved.model)).toBe("hello from gpt");
    expect(server.requests[0]).toMatchObject({ format: "openai", path: "/v1/chat/completions", body: { model: "gpt-4.1" } });
    expect(server.requests[0]!.headers.authorization).toBe("Bearer sk-oai");
  });

  it("<name>/<id> with providers.<name>.base_url is an OpenAI-compatible server, key optional", async () => {
    server = await startModelServer([step.text("hello from ollama"), step.text("hello from openrouter")]);
    const ollama = resolveModel({ model: "ollama/qwen3:8b", providers: { ollama: { base_url: server.baseURL } }, env: {} });
    expect(ollama.kind).toBe("openai-compatible");
    expect(await complete(ollama.model)).toBe("hello from ollama");
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
    const router = resolveModel({
      model: "openrouter/anthropic/claude-3.5-sonnet",
      providers: { openrouter: { base_url: server.baseURL } },
      env: { OPENROUTER_API_KEY: "sk-or" },
    });
    expect(await complete(router.model)).toBe("hello from openrouter");
    expect(server.requests[1]).toMatchObject({ body: { model: "anthropic/claude-3.5-sonnet" } });
    expect(server.requests[1]!.headers.authorization).toBe("Bearer sk-or");
  });
});
