// The people (infra/access.ts): one IAM group per persona behind MFA, one user per group, no
// long-lived credentials. What each may do is evaluated request by request in accessSuite.ts.
import { MOCK_ACCOUNT, named, ofType } from '../../tools/mockGraph';
import { policyOf, type StackRun } from './stackRun';

const GROUP_POLICY = 'aws:iam/groupPolicy:GroupPolicy';

export function describePersonas(s: StackRun): void {
  test('IAM groups per persona require MFA; three users, one per group; no access keys or passwords', () => {
    const { run, cfg } = s;
    const groups = ofType(run, 'aws:iam/group:Group');
    expect(groups.map((g) => g.name).sort()).toEqual(['access-analysts', 'access-engineers', 'access-viewers']);
    for (const g of groups) {
      const deny = policyOf(named(run, GROUP_POLICY, `${g.name}-policy`)).Statement.find(
        (st) => st.Sid === 'DenyAllWithoutMfa',
      );
      expect(deny).toMatchObject({
        Effect: 'Deny',
        Resource: ['*'],
        Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
      });
      expect(deny.NotAction).toEqual(
        expect.arrayContaining(['iam:EnableMFADevice', 'iam:CreateVirtualMFADevice', 'sts:GetSessionToken']),
      );
    }
    const statements = (group: string) => policyOf(named(run, GROUP_POLICY, `access-${group}-policy`)).Statement;
    const sids = (group: string) => statements(group).map((st) => st.Sid);
    expect(sids('engineers')).toEqual(
      expect.arrayContaining(['RedriveDeadLetterQueues', 'RunPipelineFunctions', 'QueryWarehouse']),
    );
    expect(sids('analysts')).toContain('QueryWarehouse');
    expect(sids('analysts')).not.toContain('RedriveDeadLetterQueues');
    expect(sids('viewers')).not.toContain('QueryWarehouse');
    expect(sids('viewers')).toContain('ViewPipelineDashboard');
    expect(statements('viewers').find((st) => st.Sid === 'ReadAlarms')).toEqual({
      Sid: 'ReadAlarms',
      Effect: 'Allow',
      Action: ['cloudwatch:DescribeAlarms'],
      Resource: [`arn:aws:cloudwatch:us-east-1:${MOCK_ACCOUNT}:alarm:*`],
    });
    const users = ofType(run, 'aws:iam/user:User');
    expect(users.map((u) => u.inputs.name).sort()).toEqual(cfg.users.map((u) => u.name).sort());
    for (const m of ofType(run, 'aws:iam/userGroupMembership:UserGroupMembership'))
      expect(m.inputs.groups).toHaveLength(1);
    for (const type of ['aws:iam/accessKey:AccessKey', 'aws:iam/userLoginProfile:UserLoginProfile'])
      expect(ofType(run, type)).toEqual([]);
  });
}
