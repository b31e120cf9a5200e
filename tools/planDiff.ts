// The shapes of a plan's resources and of the diff between two plans: their own module, so
// the plan (plan.ts) and the replacement check (replacements.ts) share them without a circle.

/** One resource as the plan file records it: what the program passed, JSON-clean. */
export interface PlannedResource {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  custom: boolean;
  inputs: Record<string, unknown>;
}

export interface InputChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface PlanDiff {
  /** Stack config keys (file plus --config) whose value differs. */
  config: InputChange[];
  create: PlannedResource[];
  change: { resource: PlannedResource; changes: InputChange[] }[];
  delete: PlannedResource[];
  unchanged: number;
}
