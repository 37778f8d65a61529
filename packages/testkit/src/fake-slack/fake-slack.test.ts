import { App, LogLevel } from "@slack/bolt";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeSlack, startFakeSlack } from "./fake-slack.js";

const apps: App[] = [];
const fakes: FakeSlack[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop().catch(() => undefined);
  for (const fake of fakes.splice(0)) await fake.close();
});

async function setup(): Promise<{ fake: FakeSlack; app: App; seen: Array<{ type: string; text: string }> }> {
  const fake = await startFakeSlack();
  fakes.push(fake);
  fake.addUser({ id: "UALICE", name: "alice" });
  fake.addChannel({ id: "CGENERAL", name: "general" });
  fake.addChannel({ id: "DALICE", isIm: true, user: "UALICE" });
  const app = new App({
    token: fake.botToken,
    appToken: fake.appToken,
    socketMode: true,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: fake.apiUrl },
  });
  apps.push(app);
  const seen: Array<{ type: string; text: string }> = [];
  app.event("app_mention", async ({ event, client }) => {
    seen.push({ type: "app_mention", text: event.text });
    await client.chat.postMessage({ channel: event.channel, text: `echo: ${event.text}` });
  });
  app.message(async ({ message }) => {
    seen.push({ type: "message", text: "text" in message ? (message.text ?? "") : "" });
  });
  await app.start();
  return { fake, app, seen };
}

describe("fake Slack with the real @slack/bolt client in Socket Mode", () => {
  it("connects, delivers a mention, records the ack and the bot's answer", async () => {
    const { fake, seen } = await setup();
    expect(fake.connected).toBe(true);
    expect(fake.callsOf("apps.connections.open")[0]?.token).toBe(fake.appToken);

    const posted = fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> hi" });
    expect(posted.envelopeIds).toHaveLength(2);
    const answer = await fake.waitFor(() => fake.botMessages("CGENERAL")[0], { description: "the echo" });
    expect(answer.text).toBe("echo: <@UBOT> hi");
    await fake.waitFor(() => posted.envelopeIds.every((id) => fake.envelopes.find((e) => e.envelopeId === id)?.ackedAt));
    for (const id of posted.envelopeIds) {
      const envelope = fake.envelopes.find((e) => e.envelopeId === id);
      expect(envelope?.acks).toBe(1);
      expect(envelope?.deliveries).toBe(1);
    }
    expect(fake.callsOf("chat.postMessage")[0]?.token).toBe(fake.botToken);
    // bolt ignores the echo of its own message (ignoreSelf), so only the user's message reached the listener
    await fake.waitFor(() => fake.envelopes.every((e) => e.ackedAt !== undefined), { description: "every ack" });
    expect(seen.filter((s) => s.type === "message").map((s) => s.text)).toEqual(["<@UBOT> hi"]);
  });

  it("redelivers events sent while the socket is down after bolt reconnects", async () => {
    const { fake, seen } = await setup();
    fake.dropSocket();
    expect(fake.connected).toBe(false);
    fake.postUserMessage({ channel: "DALICE", user: "UALICE", text: "while you were away" });
    await fake.waitFor(() => seen.find((s) => s.text === "while you were away"), {
      description: "the queued DM after reconnect",
    });
    expect(fake.connectionCount).toBe(2);
    expect(fake.envelopes.every((e) => e.acks === 1)).toBe(true);
  });

  it("reconnects when asked with a disconnect message", async () => {
    const { fake } = await setup();
    fake.requestReconnect();
    await fake.waitFor(() => fake.connectionCount === 2 && fake.connected, { description: "a second connection" });
    fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "<@UBOT> again" });
    await fake.waitFor(() => fake.botMessages("CGENERAL")[0], { description: "an answer on the new socket" });
  });

  it("pages history and replies, updates messages, serves files only with the bot token, takes uploads", async () => {
    const { fake, app } = await setup();
    const parent = fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: "parent", silent: true });
    for (let i = 0; i < 5; i++) fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: `m${i}`, silent: true });
    for (let i = 0; i < 3; i++) {
      fake.postUserMessage({ channel: "CGENERAL", user: "UALICE", text: `r${i}`, threadTs: parent.ts, silent: true });
    }
    const texts: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await app.client.conversations.history({ channel: "CGENERAL", limit: 2, ...(cursor ? { cursor } : {}) });
      texts.push(...(page.messages ?? []).map((m) => m.text ?? ""));
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    expect(texts).toEqual(["m4", "m3", "m2", "m1", "m0", "parent"]);
    const replies = await app.client.conversations.replies({ channel: "CGENERAL", ts: parent.ts, limit: 2 });
    expect(replies.messages?.map((m) => m.text)).toEqual(["parent", "r0"]);
    expect(replies.response_metadata?.next_cursor).not.toBe("");

    const posted = await app.client.chat.postMessage({ channel: "CGENERAL", text: "working" });
    await app.client.chat.update({ channel: "CGENERAL", ts: posted.ts ?? "", text: "done" });
    expect(fake.botMessages("CGENERAL")[0]?.edits).toEqual(["working", "done"]);

    const file = fake.addFile("notes.txt", "hello file");
    const denied = await fetch(file.url_private_download);
    expect(denied.status).toBe(403);
    const allowed = await fetch(file.url_private_download, { headers: { Authorization: `Bearer ${fake.botToken}` } });
    expect(await allowed.text()).toBe("hello file");
    expect(fake.downloads.map((d) => d.authorized)).toEqual([false, true]);

    await app.client.filesUploadV2({
      channel_id: "CGENERAL",
      thread_ts: posted.ts ?? "",
      file: Buffer.from("report body"),
      filename: "report.txt",
      title: "report",
    });
    const upload = [...fake.uploads.values()][0];
    expect(upload?.bytes.toString()).toBe("report body");
    expect(upload?.channel).toBe("CGENERAL");
    expect(upload?.threadTs).toBe(posted.ts);
  });

  it("answers rate limits with 429 and Retry-After when told to", async () => {
    const { fake, app } = await setup();
    fake.failNext("chat.postMessage", { rateLimitedSeconds: 1 });
    await app.client.chat.postMessage({ channel: "CGENERAL", text: "after a retry" });
    expect(fake.callsOf("chat.postMessage")).toHaveLength(2);
    expect(fake.botMessages("CGENERAL").map((m) => m.text)).toEqual(["after a retry"]);
  });

  it("answers a delayed method only after the delay, and other methods at once", async () => {
    const { fake, app } = await setup();
    fake.delayResponses(["chat.postMessage"], 600);
    const started = Date.now();
    await app.client.chat.postMessage({ channel: "CGENERAL", text: "slow" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    const quick = Date.now();
    await app.client.users.info({ user: "UALICE" });
    expect(Date.now() - quick).toBeLessThan(500);
    fake.delayResponses(["chat.postMessage"], 0);
    const undelayed = Date.now();
    await app.client.chat.postMessage({ channel: "CGENERAL", text: "fast" });
    expect(Date.now() - undelayed).toBeLessThan(500);
    expect(fake.botMessages("CGENERAL").map((m) => m.text)).toEqual(["slow", "fast"]);
  });

  it("holds every request unanswered after stopAnswering, records it, and close() still ends", async () => {
    const { fake, app } = await setup();
    await app.client.chat.postMessage({ channel: "CGENERAL", text: "before" }); // positive control: it answered
    fake.stopAnswering();
    let settled = false;
    const call = app.client.chat.postMessage({ channel: "CGENERAL", text: "into the void" }).finally(() => {
      settled = true;
    });
    call.catch(() => undefined);
    await fake.waitFor(() => fake.callsOf("chat.postMessage").length === 2, { description: "the held call recorded" });
    await new Promise((r) => setTimeout(r, 800));
    expect(settled).toBe(false);
    const raw = await Promise.race([
      fetch(fake.apiUrl + "auth.test", { method: "POST" }).then(() => "answered"),
      new Promise((r) => setTimeout(() => r("held"), 500)),
    ]);
    expect(raw).toBe("held");
    expect(fake.botMessages("CGENERAL").map((m) => m.text)).toEqual(["before"]);
    const closing = Date.now();
    await fake.close();
    expect(Date.now() - closing).toBeLessThan(3000);
    fakes.splice(fakes.indexOf(fake), 1);
  });
});
