// Pins the one Pulumi internal the mock harness reads: if an upgrade changes the request the mock
// monitor receives, this fails first and names the adapter to update.
import * as pulumi from '@pulumi/pulumi';
import { tapRegistrationEdges, type RegistrationEdges } from './registrationEdges';

class Thing extends pulumi.CustomResource {
  declare readonly arn: pulumi.Output<string>;
  constructor(name: string, props: { source?: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
    super('test:index:Thing', name, { ...props, arn: undefined }, opts);
  }
}

it('gives newResource the URN, parent, dependencies and per-input sources of each registration', async () => {
  const seen: { name: string; edges: RegistrationEdges }[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        seen.push({ name: args.name, edges: edgesOf() });
        return {
          id: args.custom ? `${args.name}-id` : undefined,
          state: { ...args.inputs, arn: `arn:test:${args.name}` },
        };
      },
      call: () => ({}),
    },
    'edges',
    'test',
  );
  const edgesOf = tapRegistrationEdges();

  const box = new pulumi.ComponentResource('test:index:Box', 'box');
  const a = new Thing('a', {}, { parent: box });
  new Thing('b', { source: a.arn }, { parent: box });
  const gate = new Thing('gate', {});
  // Registered only once an apply runs: disconnect() must still wait for it.
  a.arn.apply((arn) => new Thing('late', { source: arn }, { parent: box, dependsOn: [gate] }));
  await pulumi.runtime.disconnect();

  const urn = (r: pulumi.Resource) => new Promise<string>((resolve) => r.urn.apply(resolve));
  const [boxUrn, aUrn, gateUrn] = await Promise.all([urn(box), urn(a), urn(gate)]);
  const byName = Object.fromEntries(seen.map((s) => [s.name, s.edges]));
  expect(Object.keys(byName).sort()).toEqual(['a', 'b', 'box', 'gate', 'late']);
  expect(byName.a).toEqual({ urn: aUrn, parentUrn: boxUrn, propertyDependencies: {}, dependencies: [] });
  expect(byName.b).toMatchObject({
    urn: expect.stringContaining('test:index:Box$test:index:Thing::b'),
    parentUrn: boxUrn,
    propertyDependencies: { source: [aUrn] },
    dependencies: [aUrn],
  });
  // Inside the apply the ARN is a plain string: only the explicit dependsOn remains.
  expect(byName.late).toMatchObject({
    parentUrn: boxUrn,
    propertyDependencies: { source: [] },
    dependencies: [gateUrn],
  });
  expect(byName.box.urn).toBe(boxUrn);
});

it('names itself when no mock monitor is installed', () => {
  jest.spyOn(pulumi.runtime, 'getMonitor').mockReturnValueOnce(undefined);
  expect(() => tapRegistrationEdges()).toThrow('update tools/registrationEdges.ts');
});
