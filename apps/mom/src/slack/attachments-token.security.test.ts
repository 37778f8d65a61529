import { mkdtemp, readFile, realpath, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfinedDir } from "@monoclaw/core";
import { startFakeSlack, type FakeSlack } from "@monoclaw/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { downloadAttachments, mayReceiveBotToken, type DownloadOptions } from "./attachments.js";

// Where the bot token goes when mom downloads a shared file: two real HTTP
// servers on 127.0.0.1, the allowed one (the fake Slack, or a stand-in at the
// configured API URL) and an "attacker" that records every Authorization
// header it is sent.

interface RecordingServer {
  url: string;
  requests: Array<{ path: string; authorization: string | undefined }>;
  close(): Promise<void>;
}

async function startServer(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<RecordingServer> {
  const requests: RecordingServer["requests"] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ path: req.url ?? "", authorization: req.headers.authorization });
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let root: string;
let fake: FakeSlack;
let attacker: RecordingServer;
let options: DownloadOptions;

beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), "mom-token-")));
  fake = await startFakeSlack();
  attacker = await startServer((_req, res) => res.end("attacker content"));
  options = { botToken: fake.botToken, files: new ConfinedDir(root), attachmentsDir: "C111/attachments", messageTs: "1700000000.000100", apiUrl: fake.apiUrl };
});

afterEach(async () => {
  await fake.close();
  await attacker.close();
  await rm(root, { recursive: true, force: true });
});

describe("the bot token on file downloads", () => {
  it("is sent to the configured Slack API host (positive control: the fake Slack gets it and the file is saved)", async () => {
    const file = fake.addFile("report.txt", "from slack");
    const [outcome] = await downloadAttachments([file], options);
    expect(outcome).toEqual({ ok: true, file: { name: "report.txt", path: "C111/attachments/1700000000.000100_report.txt" } });
    expect(fake.downloads).toEqual([expect.objectContaining({ fileId: file.id, authorized: true })]);
    expect(await readFile(join(root, "C111/attachments/1700000000.000100_report.txt"), "utf8")).toBe("from slack");
  });

  it("is never sent to a download URL on another host: no request is made at all", async () => {
    const [outcome] = await downloadAttachments([{ name: "evil.txt", url_private_download: `${attacker.url}/files/F1/evil.txt` }], options);
    expect(outcome).toEqual({
      ok: false,
      name: "evil.txt",
      reason: `not downloaded: the download URL points to ${attacker.url}, which is not Slack; mom sends her bot token only to slack.com, *.slack.com, *.slack-edge.com and the configured API host`,
    });
    expect(attacker.requests).toEqual([]);
  });

  it("is never carried by a redirect to another host, while a redirect within Slack's host is followed", async () => {
    const slack = await startServer((req, res) => {
      if (req.url === "/files/away") res.writeHead(302, { location: `${attacker.url}/steal` }).end();
      else if (req.url === "/files/within") res.writeHead(307, { location: "/files/final" }).end();
      else res.end("final body");
    });
    try {
      const apiOptions = { ...options, apiUrl: `${slack.url}/api/` };
      const [away] = await downloadAttachments([{ name: "a.txt", url_private_download: `${slack.url}/files/away` }], apiOptions);
      expect(away).toMatchObject({ ok: false, reason: expect.stringContaining(`the download was redirected to ${attacker.url}, which is not Slack`) });
      expect(attacker.requests).toEqual([]);
      const [within] = await downloadAttachments([{ name: "b.txt", url_private_download: `${slack.url}/files/within` }], apiOptions);
      expect(within).toMatchObject({ ok: true });
      expect(slack.requests.map((r) => [r.path, r.authorization])).toEqual([
        ["/files/away", `Bearer ${fake.botToken}`],
        ["/files/within", `Bearer ${fake.botToken}`],
        ["/files/final", `Bearer ${fake.botToken}`],
      ]);
    } finally {
      await slack.close();
    }
  });

  it("goes only to https Slack hosts or the configured API origin", () => {
    const allowed = ["https://files.slack.com/files-pri/T1-F1/x", "https://slack.com/x", "https://a.slack-edge.com/x", "https://FILES.SLACK.COM/x"];
    const refused = [
      "http://files.slack.com/x",
      "https://slack.com.evil.example/x",
      "https://evilslack.com/x",
      "https://slack.com@evil.example/x",
      "https://files.slack.com.evil.example/x",
      "file:///etc/passwd",
      "http://127.0.0.1:1/x",
    ];
    for (const url of allowed) expect(mayReceiveBotToken(new URL(url), "http://127.0.0.1:9/api/"), url).toBe(true);
    for (const url of refused) expect(mayReceiveBotToken(new URL(url), "http://127.0.0.1:9/api/"), url).toBe(false);
    expect(mayReceiveBotToken(new URL("http://127.0.0.1:9/files/x"), "http://127.0.0.1:9/api/")).toBe(true);
  });
});
