// The graph as a whole: every resource registers under a component, the stack's outputs are
// wired from the resources that make them, and the policy pack finds nothing.
import { runPolicies } from '../../policy/runLocal';
import { named, ofType } from '../../tools/mockGraph';
import { BUCKET, Q, WORKGROUP, type StackRun } from './stackRun';

/**
 * The workgroup's endpoint as the mock reports it to the program suite: an address and a port
 * no part of the program could make up (Redshift's default port is 5439), so the
 * `workgroupEndpoint` output can only match if the program builds it from the workgroup.
 */
export const DISTINCTIVE_ENDPOINT = { address: 'endpoint-under-test.example.test', port: 5440, vpcEndpoints: [] };

export function describeGraph(s: StackRun): void {
  test('registers every resource without errors, each custom resource under a component', () => {
    expect(s.run.errors).toEqual([]);
    const components = s.run.resources.filter((r) => !r.custom).map((r) => r.type);
    expect(components).toEqual(
      expect.arrayContaining([
        'bfstream:infra:Streams',
        'bfstream:infra:Landing',
        'bfstream:infra:PipelineFunctions',
        'bfstream:infra:ProducerSchedule',
        'bfstream:infra:Warehouse',
        'bfstream:infra:Ops',
        'bfstream:infra:Access',
      ]),
    );
    for (const r of s.run.resources.filter((x) => x.custom)) expect(r.parentUrn).toMatch(/bfstream:infra:/);
  });

  test('exports queue URLs, bucket, workgroup endpoint and dashboard links', () => {
    const { run, stack } = s;
    const o = run.outputs as any;
    expect(o.queueUrls.sales).toBe(named(run, Q, 'streams-sales').state.url);
    expect(o.queueUrls.inventory).toBe(named(run, Q, 'streams-inventory').state.url);
    expect(o.landingBucket).toBe(named(run, BUCKET, 'landing-bucket').state.bucket);
    // The one workgroup the program declared, its endpoint as `address:port`.
    const [workgroup, ...others] = ofType(run, WORKGROUP);
    expect(others).toEqual([]);
    expect(workgroup.inputs.workgroupName).toBe(`bfstream-${stack}`);
    expect(workgroup.state.endpoints).toEqual([DISTINCTIVE_ENDPOINT]);
    expect(o.workgroupEndpoint).toBe('endpoint-under-test.example.test:5440');
    expect(o.dashboardUrls.cloudwatch).toContain(`dashboard/bfstream-${stack}-pipeline`);
    expect(o.migrationsHash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('the QuickSight dashboard is off unless enabled', () => {
    expect(ofType(s.run, 'aws:quicksight/dataSource:DataSource')).toHaveLength(
      s.cfg.dashboardEnabled && s.cfg.quicksightSecretGranted ? 1 : 0,
    );
  });

  test('the policy pack finds zero violations', () => {
    expect(runPolicies(s.run.resources)).toEqual([]);
  });
}
