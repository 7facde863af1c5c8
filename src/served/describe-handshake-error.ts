// What a failed probe saw, in words an operator can act on: nothing listening, no answer in time, a connection nginx
// reset, a TLS alert by name, plain HTTP where TLS was expected, or this machine running out of sockets.

export type ProbeFailureKind =
  | "timeout" // connected (or not), but no answer in time
  | "refused" // nothing listens there
  | "reset" // the connection was reset
  | "closed" // nginx closed the connection before presenting a certificate
  | "alert" // nginx ended the handshake with a TLS alert
  | "not-tls" // something else than TLS answered
  | "no-certificate" // a handshake without a certificate
  | "tls" // another TLS failure
  | "local" // this machine: out of file descriptors or ports
  | "other";

export interface ProbeFailure {
  ok: false;
  kind: ProbeFailureKind;
  error: string;
  /** The TLS alert number, for kind "alert". */
  alert?: number;
  /** How many times it was asked before this answer counted (set by probe-served.ts). */
  attempts?: number;
}

// RFC 8446 section 6 and RFC 5246 section 7.2.
const ALERTS: Record<number, string> = {
  0: "close_notify",
  10: "unexpected_message",
  20: "bad_record_mac",
  22: "record_overflow",
  40: "handshake_failure",
  42: "bad_certificate",
  43: "unsupported_certificate",
  44: "certificate_revoked",
  45: "certificate_expired",
  46: "certificate_unknown",
  47: "illegal_parameter",
  48: "unknown_ca",
  49: "access_denied",
  50: "decode_error",
  51: "decrypt_error",
  70: "protocol_version",
  71: "insufficient_security",
  80: "internal_error",
  86: "inappropriate_fallback",
  90: "user_canceled",
  109: "missing_extension",
  110: "unsupported_extension",
  112: "unrecognized_name",
  116: "certificate_required",
  120: "no_application_protocol",
};

/** "TLS alert unrecognized_name (112)", with what it usually means from nginx. */
export function describeAlert(alert: number): string {
  const name = ALERTS[alert] ?? "unknown";
  const hint =
    alert === 112
      ? ": nginx rejects the name (ssl_reject_handshake on in the block that answers)"
      : alert === 70
        ? ": no protocol version in common"
        : alert === 40
          ? ": no cipher or certificate in common (or ssl_reject_handshake)"
          : alert === 80
            ? ": nginx failed while answering (see its error log)"
            : "";
  return `TLS alert ${name} (${alert})${hint}`;
}

export function isIpAddress(name: string): boolean {
  return /^[\d.]+$/.test(name) || name.includes(":");
}

/** A socket or TLS error as a probe failure. */
export function describeSocketError(error: NodeJS.ErrnoException): ProbeFailure {
  switch (error.code) {
    case "ECONNREFUSED":
      return { ok: false, kind: "refused", error: "connection refused: nothing listens there" };
    case "ECONNRESET":
    case "EPIPE":
      return { ok: false, kind: "reset", error: "nginx reset the connection before presenting a certificate" };
    case "ETIMEDOUT":
      return { ok: false, kind: "timeout", error: "no connection in time" };
    case "EMFILE":
    case "ENFILE":
    case "EADDRNOTAVAIL":
    case "ENOBUFS":
      return { ok: false, kind: "local", error: `this machine could not open another connection (${error.code})` };
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return { ok: false, kind: "other", error: `address unreachable (${error.code})` };
  }
  const alert = /alert number (\d+)/i.exec(error.message)?.[1];
  if (alert !== undefined) return { ok: false, kind: "alert", alert: Number(alert), error: `nginx refused the handshake: ${describeAlert(Number(alert))}` };
  // OpenSSL's reason without its file and line: "wrong version number" is plain HTTP where TLS was expected.
  const reason = /:(?:SSL routines|ssl routines):[^:]*:([^:]+):/.exec(error.message)?.[1];
  if (reason === "wrong version number" || reason === "packet length too long" || reason === "http request") {
    return { ok: false, kind: "not-tls", error: `not TLS (${reason}): plain HTTP on that port?` };
  }
  if (error.code === "EPROTO" || error.code?.startsWith("ERR_SSL") || reason !== undefined) {
    return { ok: false, kind: "tls", error: `TLS handshake failed (${reason ?? error.message.split("\n")[0]})` };
  }
  if (/socket hang up|disconnected before secure/i.test(error.message)) return { ok: false, kind: "closed", error: "nginx closed the connection during the handshake" };
  return { ok: false, kind: "other", error: error.message.split("\n")[0] ?? String(error) };
}
