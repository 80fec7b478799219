/**
 * The status page as a person sees it: Debian's Chromium, driven by playwright-core, watches
 * a tunnel appear with growing byte counts and move to history, a failing target get counted,
 * and an /mcp session show its child's pid; the page asks no other origin for anything.
 * Screenshots (light and dark) are saved under the test's temp folder and their paths printed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { closedPort } from "../helpers/http-origin.ts";
import { echoServer } from "../helpers/mcp-servers.ts";
import { startTestProxy, type TestProxy } from "../helpers/proxy.ts";
import { rawConnect } from "../helpers/raw-client.ts";
import { startTcpTarget, type TcpTarget } from "../helpers/tcp-target.ts";
import { within } from "../helpers/wait.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`status page browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

/** The flags this machine needs: no sandbox as root, and none of Chromium's own network chatter. */
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const UI_TIMEOUT = 10_000;

describe.skipIf(!haveChromium)("status page in Chromium", () => {
  let browser: Browser;
  let proxy: TestProxy;
  let target: TcpTarget;
  const shots = mkdtempSync(join(tmpdir(), "mcp-proxy-status-page-"));

  beforeAll(async () => {
    browser = await within(chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true }), 30_000, "Chromium to start");
    proxy = await startTestProxy({ sse: echoServer() });
    target = startTcpTarget();
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    target?.stop();
  });

  async function openPage(colorScheme: "light" | "dark"): Promise<{ page: Page; foreign: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme });
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    const foreign: string[] = [];
    page.on("request", (req) => {
      const url = req.url();
      if (!url.startsWith(`${proxy.url}/`) && !url.startsWith("data:")) foreign.push(url);
    });
    await page.goto(`${proxy.url}/`);
    await page.locator("#state", { hasText: "live" }).waitFor();
    return { page, foreign };
  }

  test("shows tunnels, failures and bridge sessions live, and loads nothing from elsewhere", async () => {
    const { page, foreign } = await openPage("light");

    // A tunnel appears in "open now", its byte counts grow, then it moves to history.
    const tunnel = await rawConnect(proxy.port);
    tunnel.write(`CONNECT 127.0.0.1:${target.port} HTTP/1.1\r\nHost: 127.0.0.1:${target.port}\r\n\r\nhello`);
    await tunnel.readUntil("hello");
    const openRow = page.locator("#open tbody tr", { hasText: `CONNECT 127.0.0.1:${target.port}` });
    await shows(openRow.locator("td").nth(3), "5 B");
    tunnel.write("x".repeat(2048));
    await tunnel.readUntil("x".repeat(2048));
    await shows(openRow.locator("td").nth(2), "2.0 KiB");
    await shows(openRow.locator("td").nth(3), "2.0 KiB");
    tunnel.close();
    await openRow.waitFor({ state: "detached" });
    const historyRow = page.locator("#recent tbody tr", { hasText: `CONNECT 127.0.0.1:${target.port}` });
    // The client hung up abruptly, so a reset may follow the status: "200 ok · ECONNRESET …".
    await shows(historyRow.locator("td").nth(2), /^200 ok/);

    // A refused target shows up grouped, with its cause and a count.
    const port = closedPort();
    for (let i = 0; i < 2; i++) {
      const refused = await rawConnect(proxy.port);
      refused.write(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      await refused.readUntil("\r\n\r\n");
      refused.close();
    }
    const failing = page.locator("#failing tbody tr", { hasText: `127.0.0.1:${port}` });
    await shows(failing.locator("td").nth(1), "ECONNREFUSED Connection refused");
    await shows(failing.locator("td").nth(2), "×2");

    // An /mcp session of the SDK client shows with its child's pid.
    const transport = new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`));
    const client = new Client({ name: "status-page-test", version: "1.0.0" });
    await client.connect(transport);
    try {
      await client.ping();
      const session = page.locator('#bridge section[data-server="default"] tbody tr', { hasText: transport.sessionId!.slice(0, 8) });
      await shows(session.locator("td").nth(0), "/mcp");
      const pid = Number(await session.locator("td").nth(2).textContent());
      expect(proxy.logs.some((line) => line.includes(`pid ${pid} on /mcp`))).toBe(true);
      const light = join(shots, "status-light.png");
      await page.screenshot({ path: light, fullPage: true });
      const dark = await openPage("dark");
      await dark.page.locator("#bridge section tbody tr", { hasText: "/mcp" }).waitFor();
      const darkShot = join(shots, "status-dark.png");
      await dark.page.screenshot({ path: darkShot, fullPage: true });
      console.log(`status page screenshots: ${light} ${darkShot}`);
      expect(dark.foreign).toEqual([]);
    } finally {
      await transport.terminateSession();
      await client.close();
    }
    expect(foreign).toEqual([]);
  }, 60_000);
});

/** Waits (up to the page's default timeout) until the cell's whole text is `text`, or matches it. */
function shows(cell: Locator, text: string | RegExp): Promise<void> {
  const exact = typeof text === "string" ? new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) : text;
  return cell.filter({ hasText: exact }).waitFor();
}
