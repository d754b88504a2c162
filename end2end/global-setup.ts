import { startWebServer } from "./tests/support/processes";

// Starts `paseo-web --no-embedded-daemon` on an ephemeral port for the whole
// run; tests start and stop the daemon themselves. The base URL reaches the
// workers through the environment.
export default async function globalSetup() {
  const web = await startWebServer();
  process.env.PASEO_WEB_URL = web.url;
  // The load test reads the server's RSS and CPU time from /proc.
  process.env.PASEO_WEB_PID = String(web.process.pid);
  return async () => {
    await web.stop();
  };
}
