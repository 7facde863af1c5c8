// What `ngcert doctor` reports: one thing that will make the next renewal fail, or leave the renewed certificate
// unserved, or take sites down; where it is, and the exact fix (a unified diff when a file change fixes it).

export type Severity = "error" | "warning";

export type FindingCode =
  // The challenge path, judged as the CA judges it.
  | "CHALLENGE_NO_SERVER"
  | "CHALLENGE_SERVER_REDIRECT"
  | "CHALLENGE_SERVER_RETURN"
  | "CHALLENGE_REGEX_LOCATION"
  | "CHALLENGE_OWN_LOCATION"
  | "CHALLENGE_AUTH"
  | "CHALLENGE_TRY_FILES"
  | "CHALLENGE_PROXIED"
  | "CHALLENGE_OTHER_ROOT"
  | "CHALLENGE_REDIRECT_REFUSED"
  | "CHALLENGE_DEFAULT_SERVER"
  | "CHALLENGE_CONFLICTING_NAME"
  | "CHALLENGE_LISTEN_ADDRESS"
  | "CHALLENGE_UNEXPLAINED"
  // How certbot renews.
  | "AUTHENTICATOR_STANDALONE"
  | "AUTHENTICATOR_NGINX"
  | "AUTHENTICATOR_MANUAL"
  | "WEBROOT_NOT_SERVED"
  | "WEBROOT_MAP_EMPTY"
  | "RENEWAL_CONF_INVALID"
  | "HOOK_STOPS_NGINX"
  | "HOOK_MISSING"
  | "HOOK_WRITABLE"
  // When it renews (an owner's renew_before_expiry).
  | "RENEW_BEFORE_EXPIRY_LATE"
  | "RENEW_BEFORE_EXPIRY_OFTEN"
  | "RENEW_BEFORE_EXPIRY_INVALID"
  // What nginx serves.
  | "SSL_CERT_ARCHIVE"
  | "SSL_CERT_NAMES"
  | "SSL_CERT_UNOWNED"
  // The machine.
  | "SCHEDULER_DUPLICATE"
  | "KEY_READABLE"
  | "NGINX_INVALID"
  | "NGINX_NOT_RUNNING"
  | "NGINX_UNPARSED"
  // A cluster: every node must answer the cluster account's challenges.
  | "CLUSTER_THUMBPRINT"
  | "CLUSTER_NODE_UNREACHABLE"
  | "CLUSTER_NO_ACCOUNT";

export interface Finding {
  code: FindingCode;
  severity: Severity;
  lineage: string | null;
  domain: string | null;
  file: string | null;
  line: number | null;
  message: string;
  /** A unified diff when a file change fixes it, else what to do in words. */
  fix: string | null;
}

export function finding(code: FindingCode, severity: Severity, message: string, where: Partial<Omit<Finding, "code" | "severity" | "message">> = {}): Finding {
  return {
    code,
    severity,
    lineage: where.lineage ?? null,
    domain: where.domain ?? null,
    file: where.file ?? null,
    line: where.line ?? null,
    message,
    fix: where.fix ?? null,
  };
}
