// The one place the mock harness reads a Pulumi internal. pulumi.runtime.setMocks hands a mock
// each registration's type, name, inputs and custom flag, but not its URN, its parent, its
// dependencies or the resources each input was computed from (what the engine gives policy
// packs). Those are read here from the request the mock monitor receives; registrationEdges.test.ts
// pins that contract, so a @pulumi/pulumi upgrade that changes it fails there, by name.
// An upgrade of @pulumi/pulumi is safe once that test passes.
import * as pulumi from '@pulumi/pulumi';

export interface RegistrationEdges {
  /** Set once the monitor answers. */
  urn?: string;
  parentUrn?: string;
  /** URNs each input property was computed from. */
  propertyDependencies: Record<string, string[]>;
  dependencies: string[];
}

interface RegisterRequest {
  getParent(): string;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(fn: (deps: { getUrnsList(): string[] }, key: string) => void): void };
}
type RegisterResource = (
  req: RegisterRequest,
  callback: (err: unknown, res?: { getUrn(): string }) => void,
) => Promise<void>;

const upgradeHint =
  'the registration request @pulumi/pulumi sends its mock monitor changed: update tools/registrationEdges.ts';

/**
 * Call right after `pulumi.runtime.setMocks`. Returns the edges of the registration being
 * handled, for the mocks' `newResource` to read (the mock monitor calls it synchronously).
 */
export function tapRegistrationEdges(): () => RegistrationEdges {
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource?: RegisterResource } | undefined;
  if (typeof monitor?.registerResource !== 'function')
    throw new Error(`no mock monitor with registerResource: ${upgradeHint}`);
  const register = monitor.registerResource.bind(monitor);
  let current: RegistrationEdges | undefined;
  monitor.registerResource = (req, callback) => {
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps, key) => (propertyDependencies[key] = deps.getUrnsList()));
    const edges: RegistrationEdges = {
      parentUrn: req.getParent() || undefined,
      propertyDependencies,
      dependencies: req.getDependenciesList(),
    };
    current = edges;
    try {
      return register(req, (err, res) => {
        if (!err && res) edges.urn = res.getUrn();
        callback(err, res);
      });
    } finally {
      current = undefined;
    }
  };
  return () => {
    if (!current) throw new Error(`newResource ran outside a registration: ${upgradeHint}`);
    return current;
  };
}
