import { describe, expect, it } from "vitest";
import { MomStartupError } from "./mom-startup-error.js";
import { parseSandbox } from "./sandbox-spec.js";

function refusal(value: string): string {
  try {
    parseSandbox(value);
  } catch (error) {
    expect(error).toBeInstanceOf(MomStartupError);
    return (error as Error).message;
  }
  throw new Error(`${value} was accepted`);
}

describe("parseSandbox", () => {
  it("reads host, docker:<container> and docker-per-channel with or without an image", () => {
    expect(parseSandbox("host")).toEqual({ kind: "host" });
    expect(parseSandbox("docker:mom-sandbox")).toEqual({ kind: "docker", container: "mom-sandbox" });
    expect(parseSandbox("docker-per-channel")).toEqual({ kind: "docker-per-channel" });
    expect(parseSandbox("docker-per-channel:alpine:latest")).toEqual({ kind: "docker-per-channel", image: "alpine:latest" });
    expect(parseSandbox("docker-per-channel:monoclaw-test/debian:bookworm")).toEqual({ kind: "docker-per-channel", image: "monoclaw-test/debian:bookworm" });
    expect(parseSandbox("docker-per-channel:registry.local:5000/team/img:1.2")).toEqual({
      kind: "docker-per-channel",
      image: "registry.local:5000/team/img:1.2",
    });
  });

  it("refuses a missing or malformed image with the form to use", () => {
    expect(refusal("docker-per-channel:")).toMatch(/^--sandbox=docker-per-channel:: the image is missing\. Use --sandbox=docker-per-channel:<image>/);
    expect(refusal("docker-per-channel:Bad Image")).toMatch(/^--sandbox=docker-per-channel:Bad Image: 'Bad Image' is not an image reference\./);
    expect(refusal("docker-per-channels")).toMatch(/^unknown sandbox 'docker-per-channels'\. Use --sandbox=host/);
  });
});
