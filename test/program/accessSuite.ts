// The access matrices of one stack, asserted through an IAM evaluator (see
// tools/accessMatrix.ts); shared by access.dev.test.ts and access.prod.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  describeFailure,
  evaluateMatrices,
  matrixSection,
  principalsOf,
  renderMatrices,
  type MatrixResult,
} from '../../tools/accessMatrix';
import { accessTables, accessTitles } from '../../tools/accessTables';
import { runUnderMocks, stackConfigUnderTest, type MockRun } from '../../tools/mockGraph';
import { POLICY_PROPERTIES, iamCatalogue } from '../../policy/catalogue';
import { runPolicies } from '../../policy/runLocal';
import { databaseRoles } from '../../warehouse/grants';
import { versionedMigrations } from '../../warehouse/migrations';
import { ofType } from '../../tools/mockGraph';

export function describeAccess(stack: 'dev' | 'prod'): void {
  describe(`access matrices of the ${stack} stack`, () => {
    let run: MockRun;
    let results: MatrixResult[];

    beforeAll(async () => {
      run = await runUnderMocks({ stack, config: stackConfigUnderTest(stack) });
      results = await evaluateMatrices(run, accessTables);
    }, 120_000);

    test('every principal of the stack has a matrix, and every matrix a principal', () => {
      expect(run.errors).toEqual([]);
      expect(Object.keys(principalsOf(run)).sort()).toEqual(Object.keys(accessTables).sort());
    });

    test.each(Object.keys(accessTables))('%s: every request is decided as its matrix says', (principal) => {
      const failures = results.filter((r) => r.principal === principal && !r.ok).map(describeFailure);
      expect(failures).toEqual([]);
    });

    test('docs/INFRA.md carries exactly these matrices (regenerate with npm run docs:access)', () => {
      const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'INFRA.md'), 'utf8');
      expect(Object.keys(accessTitles).sort()).toEqual(Object.keys(accessTables).sort());
      expect(matrixSection(doc)).toBe(renderMatrices(results, accessTitles).trim());
    });

    test('engineers and analysts carry the principal tag RedshiftDbRoles naming a database role the migrations create; viewers none', () => {
      const tags = Object.fromEntries(
        ofType(run, 'aws:iam/user:User').map((u) => [u.name.replace(/^access-/, ''), u.inputs.tags ?? {}]),
      );
      expect(tags).toEqual({
        engineer: { RedshiftDbRoles: databaseRoles.engineer },
        analyst: { RedshiftDbRoles: databaseRoles.analyst },
        viewer: {},
      });
      const created = versionedMigrations('redshift').flatMap((m) => m.statements);
      for (const role of Object.values(databaseRoles)) expect(created).toContain(`CREATE ROLE ${role}`);
    });

    test('every statement passes the catalogue check: actions exist, ARNs are of the action\'s resource types, "*" only where IAM takes no resource', () => {
      const checked = run.resources.filter((r) => r.custom && POLICY_PROPERTIES[r.type]);
      expect(checked.length).toBeGreaterThan(15);
      expect(runPolicies(run.resources, [iamCatalogue])).toEqual([]);
    });

    test('the catalogue rule fires on this stack with one statement broken: a misspelt action, then an ARN of the wrong type', () => {
      const producerPolicy = run.resources.find((r) => r.name === 'functions-producer-policy')!;
      const broken = (edit: (statement: Record<string, unknown>) => void) => {
        const policy = JSON.parse(producerPolicy.inputs.policy);
        edit(policy.Statement.find((s: { Sid: string }) => s.Sid === 'SendToStreamQueues'));
        const inputs = { ...producerPolicy.inputs, policy: JSON.stringify(policy) };
        return runPolicies(
          [...run.resources.filter((r) => r !== producerPolicy), { ...producerPolicy, inputs, state: inputs }],
          [iamCatalogue],
        ).map((v) => [v.urn, v.message]);
      };
      expect(broken((s) => (s.Action = ['sqs:SendMesage']))).toEqual([
        [producerPolicy.urn, expect.stringContaining('sqs:SendMesage is not an action of sqs')],
      ]);
      const lambdaArn = run.resources.find(
        (r) => r.name === 'functions-producer' && r.type === 'aws:lambda/function:Function',
      )!.state.arn;
      expect(broken((s) => (s.Resource = [lambdaArn]))).toEqual([
        [
          producerPolicy.urn,
          expect.stringContaining(`${lambdaArn} is not an ARN of a resource type sqs:SendMessage takes (queue:`),
        ],
      ]);
    });
  });
}
