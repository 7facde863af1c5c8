// Sentences for what a renewal run did and why, shared by `ngcert renew` and the watcher's events.
import type { ConfSync } from "./keep-renewal-confs.js";
import type { AriNote } from "./refresh-ari.js";
import type { LineageRenewal, RenewedStatus } from "./renew-lineages.js";

export const RENEWED_LABEL: Record<RenewedStatus, string> = {
  "renewed-served": "renewed; nginx serves the new certificate",
  "renewed-unused": "renewed; no nginx site uses it",
  "renewed-not-served": "renewed but NOT served",
  refused: "REFUSED",
  failed: "FAILED at the CA",
  "not-due": "not due",
  backoff: "held back after failures",
};

/** One line per lineage: what happened, and why it was (or was not) renewed. */
export function describeLineageRenewal(lineage: LineageRenewal): string {
  if (lineage.status === "not-due" || lineage.status === "backoff") return `${lineage.name}: ${lineage.reason ?? RENEWED_LABEL[lineage.status]}`;
  const because = lineage.trigger ? `due: ${lineage.trigger.why}${lineage.provenFirst ? "; a dry run against the staging CA passed first" : ""}` : "";
  const details = [lineage.reason, because].filter((part) => part !== undefined && part !== "").join("; ");
  const explanation = lineage.trigger?.explanationURL ? `; the CA explains: ${lineage.trigger.explanationURL}` : "";
  return `${lineage.name}: ${RENEWED_LABEL[lineage.status]}${details ? ` (${details})` : ""}${explanation}`;
}

export function describeConfSync(confs: ConfSync): string[] {
  return [
    ...confs.changed.map((change) => `${change.name}: renew_before_expiry = ${change.value} in its renewal conf (${change.why}${change.previous === undefined ? "; certbot's default was 30 days" : `; was ${change.previous}`}), so certbot's own timer renews it when ngcert does`),
    ...confs.failed.map((failure) => `warning: ${failure.name}: renew_before_expiry not kept in step: ${failure.reason}`),
  ];
}

export function describeAriNote(note: AriNote): string {
  const text = `${note.name === "" ? "" : `${note.name}: `}${note.message}`;
  return note.explanationURL ? `${text}; the CA explains: ${note.explanationURL}` : text;
}
