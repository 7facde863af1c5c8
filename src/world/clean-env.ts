// The environment a local world's programs inherit: the caller's, minus anything that could send loopback traffic
// through a proxy or point ngcert or certbot at another server's settings (NGCERT_*, a CA bundle).
const DROPPED = /^(NGCERT_|HTTPS?_PROXY$|ALL_PROXY$|NO_PROXY$|REQUESTS_CA_BUNDLE$|CURL_CA_BUNDLE$|SSL_CERT_FILE$)/i;

export function makeCleanEnv(base: Record<string, string | undefined> = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined && !DROPPED.test(key)) env[key] = value;
  }
  // Belt and braces for tools that read a proxy from elsewhere: loopback never goes through one.
  env.NO_PROXY = env.no_proxy = "127.0.0.1,localhost,::1";
  return env;
}
