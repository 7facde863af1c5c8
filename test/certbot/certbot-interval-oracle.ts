// certbot's own reading of renew_before_expiry: storage.add_time_interval (parsedatetime) run by certbot's Python.
import { execa } from "execa";
import { CERTBOT_PYTHON } from "../migrate/configobj-oracle.js";

const SCRIPT = `
import datetime, json, sys
import pytz
from certbot._internal import storage
args = json.loads(sys.stdin.read())
base = datetime.datetime.fromisoformat(args["base"].replace("Z", "+00:00")).astimezone(pytz.UTC)
out = []
for text in args["intervals"]:
    try:
        out.append((storage.add_time_interval(base, text) - base).total_seconds() * 1000)
    except Exception:
        out.append(None)
sys.stdout.write(json.dumps(out))
`;

/** For each interval, how far certbot puts `base + interval` from base (ms), or null when it throws. */
export async function certbotAddIntervals(base: Date, intervals: readonly string[]): Promise<(number | null)[]> {
  const result = await execa(CERTBOT_PYTHON, ["-c", SCRIPT], { input: JSON.stringify({ base: base.toISOString(), intervals }) });
  return JSON.parse(result.stdout) as (number | null)[];
}
