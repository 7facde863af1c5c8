// Checks the upstream a site proxies to: an http:// or https:// URL with a host, an optional port and path, nothing else.
import { isIP } from "node:net";
import { NgcertError } from "../errors.js";
import type { Upstream } from "../nginx/render-site.js";
import { showInput } from "../text/show-input.js";

export type { Upstream };

// Underscores too: Docker Compose service and container names (`web_app`, `shop_web_1`) use them, and nginx resolves them.
const HOST_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i;


export function parseUpstream(input: string): Upstream {
  const fail = (why: string): never => {
    throw new NgcertError("INVALID_INPUT", `\`${showInput(input)}\` is not a usable upstream: ${why}; give a URL such as http://127.0.0.1:8080`);
  };
  if (/[\s;{}$'"`\\|<>^]/.test(input) || /[\u0000-\u001f\u007f]/.test(input)) fail("it contains spaces, quotes or characters nginx would interpret");
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return fail("it is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") fail(`the scheme must be http or https, not ${url.protocol.replace(/:$/, "")}`);
  if (url.username || url.password) fail("credentials in the URL are not supported");
  if (url.search || url.hash || input.includes("?") || input.includes("#")) fail("a query or fragment is not allowed");
  // new URL() accepts port 0, which nginx -t refuses: caught here, not after the certificate was issued.
  if (url.port === "0") fail("the port must be between 1 and 65535");
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") fail("it has no host");
  // Single-label names are fine here: Docker and /etc/hosts names such as `app` are typical upstreams.
  if (isIP(host) === 0 && !host.split(".").every((label) => HOST_LABEL.test(label))) {
    fail(`the host \`${url.hostname}\` is not an IP address or a host name`);
  }
  // Only what the user wrote: new URL() would add a "/" path, which changes how nginx maps URIs upstream.
  const hasPath = /^[a-z]+:\/\/[^/]+\//i.test(input);
  const origin = `${url.protocol}//${url.host}`;
  return { url: hasPath ? `${origin}${url.pathname}` : origin, https: url.protocol === "https:" };
}
