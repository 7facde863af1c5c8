// certbot started by an issuer must not outlive it: if ngcert is killed mid-run, an orphaned certbot could still
// finish an order while another node, having taken over the lease, orders the same certificate. setpriv(1) from
// util-linux sets the parent-death signal and then becomes certbot (same process, so certbot's hooks still find it).
import { accessSync, constants } from "node:fs";

const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"];

export function dyingWithParent(program: string, args: readonly string[]): { program: string; args: string[] } {
  const setpriv = SETPRIV.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  return setpriv ? { program: setpriv, args: ["--pdeathsig", "KILL", "--", program, ...args] } : { program, args: [...args] };
}
