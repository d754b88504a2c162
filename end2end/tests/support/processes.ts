// Real processes for the browser tests: the release `paseo-web` and
// `paseo-daemon` binaries, started with temp homes, read for their bound
// addresses, and always stopped.
import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";

const repoRoot = path.resolve(__dirname, "..", "..", "..");
// Same resolution as cargo: CARGO_TARGET_DIR, else <repo>/target.
const targetDir = path.resolve(process.env.CARGO_TARGET_DIR ?? path.join(repoRoot, "target"));
const binDir = path.resolve(process.env.PASEO_BIN_DIR ?? path.join(targetDir, "release"));
const siteRoot = path.resolve(process.env.PASEO_SITE_ROOT ?? path.join(targetDir, "site"));

/** The fallback profile's daemon address (the server's default). */
export const FALLBACK_DAEMON = { host: "127.0.0.1", port: 6767 };

export interface Running {
  url: string;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => {
      reject(new Error(`${what} did not report readiness within ${timeoutMs} ms; output:\n${seen}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with code ${code} before it was ready; output:\n${seen}`));
    });
  });
}

function stopper(child: ChildProcess) {
  return (signal: NodeJS.Signals = "SIGTERM") =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
      child.once("exit", () => {
        clearTimeout(force);
        resolve();
      });
      child.kill(signal);
    });
}

/** Fails fast, with a clear message, when the fallback port is taken. */
export async function assertPortFree(host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", () =>
      reject(new Error(`port ${host}:${port} is already in use: stop the daemon using it before running the browser tests`)),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

export async function startWebServer(): Promise<Running> {
  const child = spawn(
    path.join(binDir, "paseo-web"),
    ["--no-embedded-daemon", "--listen", "127.0.0.1:0", "--site-root", siteRoot],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "info" } },
  );
  const match = await waitForLine(child, /paseo-web listening on (http:\/\/[0-9.:]+)/, "paseo-web");
  return { url: match[1], process: child, stop: stopper(child) };
}

/** Starts `paseo-daemon` on the fallback port with the given home. */
export async function startDaemon(home?: string): Promise<Running & { home: string }> {
  return startDaemonAt(`${FALLBACK_DAEMON.host}:${FALLBACK_DAEMON.port}`, home);
}

/** Starts `paseo-daemon` on `listen` (e.g. `127.0.0.1:0`) with the given home. */
export async function startDaemonAt(
  listen: string,
  home?: string,
  env: Record<string, string> = {},
): Promise<Running & { home: string }> {
  const dir = home ?? mkdtempSync(path.join(tmpdir(), "paseo-e2e-home-"));
  const child = spawn(
    path.join(binDir, "paseo-daemon"),
    ["--listen", listen, "--home", dir],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: "info", ...env } },
  );
  const match = await waitForLine(child, /listening on (ws:\/\/[0-9.:]+\/ws)/, "paseo-daemon");
  return { url: match[1], process: child, stop: stopper(child), home: dir };
}
