// A small etcd v3 client over etcd's JSON gateway (POST /v3/...; keys and values base64), enough for one lease-held
// key (the issuer), a lease-held mutex (the renewal in progress) and a few records: no client library, no protocol of
// our own. Each request goes to the first endpoint that answers, with a timeout.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { NgcertError } from "../errors.js";

export interface EtcdKv {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  /** The lease the key is attached to, "0" or undefined when none. */
  lease: string | undefined;
}

export type EtcdCompare =
  | { key: string; target: "CREATE"; createRevision: number }
  | { key: string; target: "VALUE"; value: string }
  | { key: string; target: "MOD"; modRevision: number };

export type EtcdOp = { put: { key: string; value: string; lease?: string } } | { delete: { key: string } } | { range: { key: string } };

export interface TxnResult {
  succeeded: boolean;
  /** The kvs of the range operations that ran, in order. */
  ranges: EtcdKv[][];
}

const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");
const unb64 = (text: string | undefined): string => Buffer.from(text ?? "", "base64").toString("utf8");

/** The first key after every key that starts with `prefix`: etcd's range_end for a prefix. */
function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, "utf8");
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      bytes[i]! += 1;
      return bytes.subarray(0, i + 1).toString("base64");
    }
  }
  return Buffer.from([0]).toString("base64");
}

interface RawKv {
  key?: string;
  value?: string;
  create_revision?: string;
  mod_revision?: string;
  lease?: string;
}

function toKv(raw: RawKv): EtcdKv {
  return { key: unb64(raw.key), value: unb64(raw.value), createRevision: Number(raw.create_revision ?? 0), modRevision: Number(raw.mod_revision ?? 0), lease: raw.lease };
}

export class EtcdClient {
  /** The endpoint that answered last: asked first next time. */
  private preferred = 0;

  constructor(
    private readonly endpoints: readonly string[],
    private readonly timeoutMs = 5_000,
  ) {}

  async grant(ttlSeconds: number): Promise<{ id: string; ttl: number }> {
    const answer = (await this.call("/v3/lease/grant", { TTL: String(ttlSeconds) })) as { ID?: string; TTL?: string; error?: string };
    if (answer.ID === undefined) throw new NgcertError("UNREACHABLE", `etcd granted no lease: ${answer.error ?? JSON.stringify(answer)}`);
    return { id: answer.ID, ttl: Number(answer.TTL ?? ttlSeconds) };
  }

  /** Renews a lease; the seconds it has left afterwards, 0 when it no longer exists. */
  async keepAlive(id: string): Promise<number> {
    const answer = (await this.call("/v3/lease/keepalive", { ID: id })) as { result?: { TTL?: string } };
    return Number(answer.result?.TTL ?? 0);
  }

  async revoke(id: string): Promise<void> {
    await this.call("/v3/lease/revoke", { ID: id });
  }

  async get(key: string): Promise<EtcdKv | undefined> {
    const answer = (await this.call("/v3/kv/range", { key: b64(key) })) as { kvs?: RawKv[] };
    return answer.kvs?.[0] === undefined ? undefined : toKv(answer.kvs[0]);
  }

  async getPrefix(prefix: string): Promise<EtcdKv[]> {
    const answer = (await this.call("/v3/kv/range", { key: b64(prefix), range_end: prefixEnd(prefix) })) as { kvs?: RawKv[] };
    return (answer.kvs ?? []).map(toKv);
  }

  async put(key: string, value: string, lease?: string): Promise<void> {
    await this.call("/v3/kv/put", { key: b64(key), value: b64(value), ...(lease === undefined ? {} : { lease }) });
  }

  async txn(compare: readonly EtcdCompare[], success: readonly EtcdOp[], failure: readonly EtcdOp[]): Promise<TxnResult> {
    const compareJson = compare.map((entry) => {
      if (entry.target === "CREATE") return { key: b64(entry.key), target: "CREATE", result: "EQUAL", create_revision: String(entry.createRevision) };
      if (entry.target === "MOD") return { key: b64(entry.key), target: "MOD", result: "EQUAL", mod_revision: String(entry.modRevision) };
      return { key: b64(entry.key), target: "VALUE", result: "EQUAL", value: b64(entry.value) };
    });
    const opJson = (op: EtcdOp): unknown => {
      if ("put" in op) return { request_put: { key: b64(op.put.key), value: b64(op.put.value), ...(op.put.lease === undefined ? {} : { lease: op.put.lease }) } };
      if ("delete" in op) return { request_delete_range: { key: b64(op.delete.key) } };
      return { request_range: { key: b64(op.range.key) } };
    };
    const answer = (await this.call("/v3/kv/txn", { compare: compareJson, success: success.map(opJson), failure: failure.map(opJson) })) as {
      succeeded?: boolean;
      responses?: { response_range?: { kvs?: RawKv[] } }[];
    };
    return {
      succeeded: answer.succeeded === true,
      ranges: (answer.responses ?? []).filter((response) => response.response_range !== undefined).map((response) => (response.response_range!.kvs ?? []).map(toKv)),
    };
  }

  private async call(path: string, body: unknown): Promise<unknown> {
    const errors: string[] = [];
    for (let attempt = 0; attempt < this.endpoints.length; attempt++) {
      const index = (this.preferred + attempt) % this.endpoints.length;
      const endpoint = this.endpoints[index]!;
      try {
        const answer = await postJson(`${endpoint}${path}`, body, this.timeoutMs);
        this.preferred = index;
        return answer;
      } catch (error) {
        errors.push(`${endpoint}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    throw new NgcertError("UNREACHABLE", `etcd did not answer (${errors.join("; ")})`);
  }
}

function postJson(url: string, body: unknown, timeoutMs: number): Promise<unknown> {
  const data = JSON.stringify(body);
  const send = url.startsWith("https:") ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) }, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8").trim();
        // A streaming call (keepalive) answers with one JSON object per message: the first is the answer.
        const first = text.split("\n")[0] ?? "";
        let parsed: unknown;
        try {
          parsed = JSON.parse(first);
        } catch {
          reject(new Error(`HTTP ${res.statusCode}: not JSON: ${first.slice(0, 200)}`));
          return;
        }
        if ((res.statusCode ?? 500) >= 400) {
          const message = (parsed as { message?: string; error?: string }).message ?? (parsed as { error?: string }).error ?? first.slice(0, 200);
          reject(new Error(`HTTP ${res.statusCode}: ${message}`));
          return;
        }
        resolve(parsed);
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(data);
  });
}
