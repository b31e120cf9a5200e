// Which changes between two plans would replace (or delete) a resource that holds
// state: the warehouse's namespace and workgroup, the landing bucket, the queues, the
// KMS key, secrets. Pulumi replaces a resource when an input the provider marks
// "replace on change" differs (ForceNew / RequiresReplace in terraform-provider-aws,
// which pulumi-aws bridges), and deletes and recreates one whose URN changes (a new
// logical name or parent). `plan --against` fails on either unless told which
// resource may go.
import type { PlanDiff, PlannedResource } from './planDiff';

export interface StatefulType {
  /** What a reviewer calls it. */
  what: string;
  /** Inputs whose change makes the provider replace the resource (Pulumi's camelCase names). */
  replaceOn: string[];
  /** Inputs whose change deletes state the resource owns without replacing it, and what goes. */
  deletesOn?: Record<string, string>;
  /** Where the list comes from. */
  source: string;
}

const TF = 'https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service';

/** pulumi-aws 7 takes a Region per resource; moving one to another Region recreates it there. */
const everyType = ['region'];

export const statefulTypes: Record<string, StatefulType> = {
  'aws:redshiftserverless/namespace:Namespace': {
    what: 'Redshift Serverless namespace (the warehouse data)',
    replaceOn: ['namespaceName', 'dbName'],
    // The namespace owns the admin secret Redshift manages; switching the management off
    // deletes that secret (and every reader of SECRET_ARN loses it).
    deletesOn: { manageAdminPassword: 'its managed admin secret' },
    source: `${TF}/redshiftserverless/namespace.go (namespace_name, db_name: RequiresReplace)`,
  },
  'aws:redshiftserverless/workgroup:Workgroup': {
    what: 'Redshift Serverless workgroup (its endpoint)',
    replaceOn: ['workgroupName', 'namespaceName'],
    source: `${TF}/redshiftserverless/workgroup.go (workgroup_name, namespace_name: ForceNew)`,
  },
  'aws:s3/bucket:Bucket': {
    what: 'S3 bucket (the landing files)',
    replaceOn: ['bucket', 'bucketPrefix', 'objectLockEnabled'],
    source: `${TF}/s3/bucket.go (bucket, bucket_prefix, object_lock_enabled: ForceNew)`,
  },
  'aws:sqs/queue:Queue': {
    what: 'SQS queue (messages in flight)',
    replaceOn: ['name', 'namePrefix', 'fifoQueue'],
    source: `${TF}/sqs/queue.go (name, name_prefix, fifo_queue: ForceNew)`,
  },
  'aws:kms/key:Key': {
    what: 'KMS key (what it encrypted)',
    replaceOn: ['customerMasterKeySpec', 'keyUsage', 'multiRegion', 'customKeyStoreId', 'xksKeyId'],
    source: `${TF}/kms/key.go (customer_master_key_spec, key_usage, multi_region, custom_key_store_id, xks_key_id: ForceNew)`,
  },
  'aws:secretsmanager/secret:Secret': {
    what: 'Secrets Manager secret',
    replaceOn: ['name', 'namePrefix'],
    source: `${TF}/secretsmanager/secret.go (name, name_prefix: ForceNew)`,
  },
};

export interface Replacement {
  resource: PlannedResource;
  /** `replaced` (a replace-on-change input), `deleted` (gone or renamed), or what an input change deletes. */
  action: 'replaced' | 'deleted' | 'loses state';
  why: string;
}

/** Every stateful resource the diff would replace or delete, and why. */
export function statefulReplacements(diff: Pick<PlanDiff, 'change' | 'delete'>): Replacement[] {
  const out: Replacement[] = [];
  for (const { resource, changes } of diff.change) {
    const kind = statefulTypes[resource.type];
    if (!kind) continue;
    const replaceOn = [...kind.replaceOn, ...everyType];
    const top = (path: string) => path.split('.')[0];
    const replacing = [...new Set(changes.map((c) => top(c.path)).filter((p) => replaceOn.includes(p)))];
    if (replacing.length)
      out.push({ resource, action: 'replaced', why: `${replacing.join(', ')} changed; the provider replaces on it` });
    for (const [input, lost] of Object.entries(kind.deletesOn ?? {}))
      if (changes.some((c) => top(c.path) === input))
        out.push({ resource, action: 'loses state', why: `${input} changed, which deletes ${lost}` });
  }
  for (const resource of diff.delete)
    if (statefulTypes[resource.type])
      out.push({
        resource,
        action: 'deleted',
        why: 'its URN is gone (removed, renamed or re-parented without an alias)',
      });
  return out;
}

/** The replacements that `--allow-replace <name>` did not name, as one line each. */
export function refusedReplacements(replacements: Replacement[], allowed: readonly string[]): string[] {
  return replacements
    .filter((r) => !allowed.includes(r.resource.name))
    .map(
      (r) =>
        `${r.action === 'loses state' ? 'would lose state' : `would be ${r.action}`}: ${r.resource.type} ${r.resource.name} (${statefulTypes[r.resource.type].what}): ${r.why}`,
    );
}
