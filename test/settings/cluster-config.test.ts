// The "cluster" settings: what is accepted, what is refused before anything could reach an ssh command line or etcd,
// and how a node finds itself among the nodes.
import { describe, expect, it } from "vitest";
import { findSelf, parseClusterConfig } from "../../src/settings/cluster-config.js";

const parse = (value: unknown) => parseClusterConfig(value, "/etc/ngcert/config.json", "/etc/ngcert");
const NODES = [
  { name: "web1", host: "10.0.0.1" },
  { name: "web2", host: "web2.example.com", "ssh-port": 2222, command: "/usr/local/bin/ngcert --config /etc/ngcert/config.json" },
];

describe("parseClusterConfig", () => {
  it("reads a configured issuer with defaults filled in", () => {
    const cluster = parse({ nodes: NODES, issuer: "web1", "ssh-key": "keys/id_ed25519" });
    expect(cluster).toEqual({
      nodes: [
        { name: "web1", host: "10.0.0.1", sshPort: 22, command: ["ngcert"] },
        { name: "web2", host: "web2.example.com", sshPort: 2222, command: ["/usr/local/bin/ngcert", "--config", "/etc/ngcert/config.json"] },
      ],
      self: undefined,
      issuer: "web1",
      etcd: undefined,
      ssh: { user: "root", key: "/etc/ngcert/keys/id_ed25519", knownHosts: undefined, connectTimeoutSeconds: 10 },
      account: undefined,
      parallel: 8,
    });
  });

  it("reads etcd endpoints (one or several) with the prefix and lease", () => {
    expect(parse({ nodes: NODES, "etcd-endpoints": "http://10.0.0.9:2379" }).etcd).toEqual({ endpoints: ["http://10.0.0.9:2379"], prefix: "/ngcert/", leaseSeconds: 15 });
    expect(parse({ nodes: NODES, "etcd-endpoints": ["https://a:2379/", "http://b:2379"], "etcd-prefix": "/site-a/", "lease-seconds": 30 }).etcd).toEqual({
      endpoints: ["https://a:2379", "http://b:2379"],
      prefix: "/site-a/",
      leaseSeconds: 30,
    });
  });

  it.each([
    [{ nodes: NODES }, /name the node that issues/],
    [{ nodes: NODES, issuer: "web1", "etcd-endpoints": ["http://a:2379"] }, /either "issuer".*or "etcd-endpoints"/],
    [{ nodes: NODES, issuer: "web9" }, /"issuer": "web9" is not one of the nodes \(web1, web2\)/],
    [{ nodes: [], issuer: "web1" }, /"nodes" must be a non-empty list/],
    [{ nodes: NODES, issuer: "web1", colour: "blue" }, /unknown key "colour"/],
    [{ nodes: [{ name: "web1", host: "-oProxyCommand=sh" }], issuer: "web1" }, /nodes\[0\]: "host" must be an IP address or a DNS name/],
    [{ nodes: [{ name: "Web_1", host: "10.0.0.1" }], issuer: "Web_1" }, /"name" must be lower-case letters/],
    [{ nodes: [{ name: "web1", host: "10.0.0.1" }, { name: "web1", host: "10.0.0.2" }], issuer: "web1" }, /two nodes are named "web1"/],
    [{ nodes: [{ name: "web1", host: "10.0.0.1" }, { name: "web2", host: "10.0.0.1" }], issuer: "web1" }, /"web1" and "web2" have the same host and ssh port/],
    [{ nodes: NODES, "etcd-endpoints": ["http://a:2379/v3"] }, /is not an http\(s\):\/\/host:port URL/],
    [{ nodes: NODES, "etcd-endpoints": ["http://user:pw@a:2379"] }, /is not an http\(s\):\/\/host:port URL/],
    [{ nodes: NODES, issuer: "web1", "lease-seconds": 10 }, /"lease-seconds" is for etcd/],
    [{ nodes: NODES, issuer: "web1", "ssh-key": "/root/my key" }, /"ssh-key": `\/root\/my key` is not a usable path/],
    [{ nodes: NODES, issuer: "web1", "ssh-user": "root;id" }, /"ssh-user": `root;id` is not a user name/],
    [{ nodes: NODES, issuer: "web1", account: "../x" }, /is not a certbot account id/],
    [{ nodes: [{ name: "web1", host: "10.0.0.1", "ssh-port": 0 }], issuer: "web1" }, /"ssh-port" must be a port number/],
  ])("refuses %j", (value, message) => {
    expect(() => parse(value)).toThrow(message);
  });
});

describe("findSelf", () => {
  const cluster = parse({ nodes: [...NODES, { name: "web3", host: "10.0.0.3" }], issuer: "web1" });
  it("is the node whose host is one of this machine's addresses", () => {
    expect(findSelf(cluster, { addresses: ["127.0.0.1", "10.0.0.3"], hostname: "box" })?.name).toBe("web3");
  });
  it("or whose host is this machine's name, short or full", () => {
    expect(findSelf(cluster, { addresses: ["127.0.0.1"], hostname: "web2.example.com" })?.name).toBe("web2");
  });
  it("or the one named by self; nobody when two match", () => {
    expect(findSelf({ ...cluster, self: "web2" }, { addresses: ["10.0.0.1"], hostname: "x" })?.name).toBe("web2");
    expect(findSelf(cluster, { addresses: ["10.0.0.1", "10.0.0.3"], hostname: "x" })).toBeUndefined();
  });
});
