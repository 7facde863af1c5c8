// Whether this host has IPv6 at all: nginx cannot bind [::] where the kernel has it disabled (many containers).
import { readFileSync } from "node:fs";

export function hostHasIpv6(): boolean {
  try {
    return readFileSync("/proc/net/if_inet6", "utf8").trim() !== "";
  } catch {
    return false;
  }
}
