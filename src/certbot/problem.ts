// Problem codes from SPEC.md: what status, verify and the hooks report about a lineage.

export type ProblemCode =
  | "EXPIRED"
  | "EXPIRING"
  | "NOT_YET_VALID"
  | "KEY_MISMATCH"
  | "CHAIN_INVALID"
  | "STANDALONE"
  | "UNREADABLE"
  | "RENEWAL_CONF_INVALID"
  | "SERVED_MISMATCH"
  | "NOT_SERVED";

export interface Problem {
  code: ProblemCode;
  message: string;
}
