// The policy pack: `pulumi preview --policy-pack policy` (from the project root).
import { PolicyPack } from '@pulumi/policy';
import { policies } from './rules';

new PolicyPack('bfstream-policies', { policies, enforcementLevel: 'mandatory' });
