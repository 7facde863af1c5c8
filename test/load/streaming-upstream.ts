// An upstream that streams a response slowly, to prove a request in flight through nginx survives a reload.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface StreamingUpstream {
  url: string;
  stop(): Promise<void>;
}

/** GET /stream?chunks=N&every=MS sends N numbered lines MS apart; anything else answers 200 at once. */
export async function startStreamingUpstream(): Promise<StreamingUpstream> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://upstream");
    res.setHeader("x-ngcert-test-upstream", "1");
    if (url.pathname !== "/stream") {
      res.end("ok\n");
      return;
    }
    const chunks = Math.min(100, Number(url.searchParams.get("chunks") ?? 10));
    const every = Math.min(1_000, Number(url.searchParams.get("every") ?? 100));
    res.writeHead(200, { "content-type": "text/plain" });
    let sent = 0;
    const timer = setInterval(() => {
      res.write(`line ${sent}\n`);
      if (++sent >= chunks) {
        clearInterval(timer);
        res.end("end\n");
      }
    }, every);
    res.on("close", () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
