// The deployed stack as `npm run verify` sees it: the outputs that index.ts exports, read from
// `pulumi stack output --json` (or a file the user saved from it), checked all at once so that a
// stack deployed from an older version names every output it lacks.
import { perStream, type StreamName } from '../kernel/contracts';
import { Problems } from '../kernel/problems';
import { checkSetting } from '../kernel/producerSettings';

export interface DeployedStack {
  region: string;
  queueUrls: Record<StreamName, string>;
  deadLetterQueueUrls: Record<StreamName, string>;
  landingBucket: string;
  workgroupName: string;
  workgroupArn: string;
  database: string;
  producerFunctionName: string;
  migratorFunctionName: string;
  windowMinutes: number;
  alarmNames: string[];
  quicksight?: { accountId: string; dashboardId: string; dataSourceId: string; dataSetIds: string[] };
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads `path` (dotted) of the outputs as a non-empty string, recording a problem when it is not one. */
function text(problems: Problems, outputs: Json, path: string): string {
  const value = path.split('.').reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), outputs);
  problems.check(
    typeof value === 'string' && value !== '',
    () => `missing stack output ${path}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`,
  );
  return typeof value === 'string' ? value : '';
}

function texts(problems: Problems, value: unknown, path: string): string[] {
  const ok = Array.isArray(value) && value.every((v) => typeof v === 'string' && v !== '');
  problems.check(ok, () => `missing stack output ${path} (a list of names)`);
  return ok ? (value as string[]) : [];
}

/** The deployed stack from the outputs, or every output that is missing or malformed. */
export function parseStackOutputs(outputs: unknown): { stack: DeployedStack } | { problems: string[] } {
  if (!isObject(outputs)) return { problems: ['the stack outputs must be a JSON object (pulumi stack output --json)'] };
  const p = new Problems();
  const v = isObject(outputs.verification) ? outputs.verification : {};
  p.check(isObject(outputs.verification), 'missing stack output verification (deploy this version first)');
  const windowMinutes = v.windowMinutes;
  checkSetting(p, 'windowMinutes', windowMinutes, 'stack output verification.windowMinutes');
  const qs = isObject(v.quicksight) ? v.quicksight : undefined;
  const stack: DeployedStack = {
    region: text(p, outputs, 'verification.region'),
    queueUrls: perStream((s) => text(p, outputs, `queueUrls.${s}`)),
    deadLetterQueueUrls: perStream((s) => text(p, outputs, `deadLetterQueueUrls.${s}`)),
    landingBucket: text(p, outputs, 'landingBucket'),
    workgroupName: text(p, outputs, 'workgroupName'),
    workgroupArn: text(p, outputs, 'verification.workgroupArn'),
    database: text(p, outputs, 'verification.database'),
    producerFunctionName: text(p, outputs, 'verification.producerFunctionName'),
    migratorFunctionName: text(p, outputs, 'verification.migratorFunctionName'),
    windowMinutes: windowMinutes as number,
    alarmNames: texts(p, v.alarmNames, 'verification.alarmNames'),
    ...(qs
      ? {
          quicksight: {
            accountId: text(p, outputs, 'verification.quicksight.accountId'),
            dashboardId: text(p, outputs, 'verification.quicksight.dashboardId'),
            dataSourceId: text(p, outputs, 'verification.quicksight.dataSourceId'),
            dataSetIds: texts(p, qs.dataSetIds, 'verification.quicksight.dataSetIds'),
          },
        }
      : {}),
  };
  return p.empty ? { stack } : { problems: [...p.all] };
}
