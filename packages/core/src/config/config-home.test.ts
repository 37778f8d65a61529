import { describe, expect, it } from "vitest";
import { resolveConfigFile, resolveMonoclawHome } from "./config-home.js";

describe("resolveMonoclawHome", () => {
  it("defaults to ~/.monoclaw", () => {
    expect(resolveMonoclawHome({ HOME: "/home/ann" }, "/work")).toBe("/home/ann/.monoclaw");
  });
  it("uses MONOCLAW_HOME, expanding ~ and resolving relative paths against the start directory", () => {
    expect(resolveMonoclawHome({ HOME: "/home/ann", MONOCLAW_HOME: "/srv/mc" }, "/work")).toBe("/srv/mc");
    expect(resolveMonoclawHome({ HOME: "/home/ann", MONOCLAW_HOME: "~/mc" }, "/work")).toBe("/home/ann/mc");
    expect(resolveMonoclawHome({ HOME: "/home/ann", MONOCLAW_HOME: "state" }, "/work")).toBe("/work/state");
  });
  it("ignores an empty MONOCLAW_HOME", () => {
    expect(resolveMonoclawHome({ HOME: "/home/ann", MONOCLAW_HOME: "" }, "/work")).toBe("/home/ann/.monoclaw");
  });
  it("puts config.yaml in it", () => {
    expect(resolveConfigFile({ MONOCLAW_HOME: "/srv/mc" }, "/")).toBe("/srv/mc/config.yaml");
  });
});
