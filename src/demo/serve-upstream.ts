// The process behind each demo site (`ngcert demo --serve-upstream http|websocket --port N`, started by the demo, not
// by people): the echo service or the WebSocket service, until it is told to stop.
import { startUpstream, UPSTREAM_HEADER } from "../world/echo-upstream.js";
import { startWebSocketUpstream } from "../world/websocket-upstream.js";
import type { UpstreamKind } from "./demo-world.js";

export async function serveUpstream(options: { kind: UpstreamKind; port: number; log: (line: string) => void; signal: AbortSignal }): Promise<void> {
  const server =
    options.kind === "http"
      ? await startUpstream({ port: options.port, record: false })
      : await startWebSocketUpstream({ port: options.port, log: options.log, markHeader: UPSTREAM_HEADER });
  options.log(JSON.stringify({ time: new Date().toISOString(), event: "listening", kind: options.kind, port: server.port }));
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    options.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await server.stop();
}
