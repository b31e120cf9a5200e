// Runs the policy pack's rules in-process over a recorded resource graph (the mocked
// program), the way the Pulumi engine would during `pulumi preview --policy-pack policy`.
import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from '@pulumi/policy';
import { policies as projectPolicies, type ProjectPolicy } from './rules';

/**
 * One resource of a recorded program graph, as the engine describes it to a policy pack.
 * tools/mockGraph.ts records these; the pack declares the shape it reads, so it imports no tool.
 */
export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  parentUrn?: string;
  custom: boolean;
  /** What the program passed (Outputs resolved): resource-level rules read these. */
  inputs: Record<string, any>;
  /** Inputs plus the provider's outputs (arn, id, url, ...): stack-level rules read these. */
  state: Record<string, any>;
  /** URNs each input property was computed from. */
  propertyDependencies: Record<string, string[]>;
  dependencies: string[];
}

export interface Violation {
  policy: string;
  urn: string;
  message: string;
}

function typeOf(cls: unknown): string | undefined {
  return (cls as { __pulumiType?: string })?.__pulumiType;
}

/** Resource-level rules see a resource's inputs; stack-level rules see inputs plus outputs, and the dependency graph. */
export function runPolicies(resources: RecordedResource[], policies: ProjectPolicy[] = projectPolicies): Violation[] {
  const custom = resources.filter((r) => r.custom);
  const byUrn = new Map<string, PolicyResource>();
  const stackTags = new Map<string, string>();
  for (const r of custom) {
    byUrn.set(r.urn, {
      type: r.type,
      props: r.state,
      urn: r.urn,
      name: r.name,
      opts: {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        additionalSecretOutputs: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      },
      dependencies: [],
      propertyDependencies: {},
      isType: (cls) => typeOf(cls) === r.type,
      asType: (cls) => (typeOf(cls) === r.type ? (r.state as never) : undefined),
    } as PolicyResource);
  }
  for (const r of custom) {
    const pr = byUrn.get(r.urn)!;
    pr.dependencies = r.dependencies.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => x !== undefined);
    pr.propertyDependencies = Object.fromEntries(
      Object.entries(r.propertyDependencies).map(([k, urns]) => [
        k,
        urns.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => x !== undefined),
      ]),
    );
    if (r.parentUrn && byUrn.has(r.parentUrn)) pr.parent = byUrn.get(r.parentUrn);
  }

  const violations: Violation[] = [];
  for (const policy of policies) {
    if ('validateResource' in policy && policy.validateResource) {
      const validate = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
      for (const r of custom) {
        const args = {
          type: r.type,
          props: r.inputs,
          urn: r.urn,
          name: r.name,
          opts: byUrn.get(r.urn)!.opts,
          stackTags,
          isType: (cls: unknown) => typeOf(cls) === r.type,
          asType: (cls: unknown) => (typeOf(cls) === r.type ? r.inputs : undefined),
          getConfig: () => ({}),
          notApplicable: (reason?: string) => {
            throw new NotApplicable(reason);
          },
        } as unknown as ResourceValidationArgs;
        for (const fn of validate)
          call(() => fn(args, (message, urn) => violations.push({ policy: policy.name, urn: urn ?? r.urn, message })));
      }
    }
    if ('validateStack' in policy && policy.validateStack) {
      const args = {
        resources: [...byUrn.values()],
        stackTags,
        getConfig: () => ({}),
        notApplicable: (reason?: string) => {
          throw new NotApplicable(reason);
        },
      } as unknown as StackValidationArgs;
      call(() =>
        policy.validateStack!(args, (message, urn) =>
          violations.push({ policy: policy.name, urn: urn ?? '', message }),
        ),
      );
    }
  }
  return violations;
}

class NotApplicable extends Error {}

function call(fn: () => unknown): void {
  try {
    const result = fn();
    if (result && typeof (result as Promise<unknown>).then === 'function')
      throw new Error('project policies are synchronous');
  } catch (err) {
    if (!(err instanceof NotApplicable)) throw err;
  }
}
