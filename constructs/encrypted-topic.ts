import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { Grant, IGrantee, grantSid } from './grant';
import { installDeploymentChecks } from './internal/deployment-guard';
import { NAME_KINDS, deriveNameFor } from './internal/name-rules';
import { Rule, Violation, checkRules, throwIfViolations } from './internal/validation';

/** The AWS managed key for SNS: publishers in the account need no KMS permission for it. */
export const SNS_MANAGED_KEY_ALIAS = 'alias/aws/sns';

/**
 * What a publisher needs on a customer-managed topic key (SNS encrypts each
 * message with a data key); without it the publish deploys and then fails with
 * AccessDenied. `kms:GenerateDataKey*` spelled out, since roles refuse wildcard actions.
 */
export const TOPIC_KMS_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'] as const;

export interface EncryptedTopicProps {
  /**
   * ARN of a customer-managed KMS key to encrypt with. `grantPublish` then
   * also gives `kms:Decrypt` and `kms:GenerateDataKey` on it.
   * @default the AWS managed key 'alias/aws/sns'
   */
  readonly kmsKeyArn?: string;
  /**
   * KMS key id, alias or ARN. Kept for compatibility: only the AWS managed
   * alias or a literal key ARN is accepted, since `grantPublish` must know the
   * key ARN to grant on. Prefer `kmsKeyArn`.
   * @default 'alias/aws/sns'
   */
  readonly kmsKeyId?: string;
}

const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[A-Za-z0-9-]+$/;

const TOPIC_PROPS_RULES: readonly Rule<EncryptedTopicProps>[] = [
  {
    id: 'topic/one-key',
    field: 'kmsKeyArn, kmsKeyId',
    pick: (p) => ({ kmsKeyArn: p.kmsKeyArn, kmsKeyId: p.kmsKeyId }),
    requirement: 'not give both kmsKeyArn and kmsKeyId',
    check: (p) => p.kmsKeyArn === undefined || p.kmsKeyId === undefined,
    fix: 'give the key as kmsKeyArn only',
  },
  {
    id: 'topic/key-arn-known',
    field: 'kmsKeyId',
    pick: (p) => (p.kmsKeyId !== undefined && Token.isUnresolved(p.kmsKeyId) ? '(a deploy-time value)' : p.kmsKeyId),
    requirement: `be '${SNS_MANAGED_KEY_ALIAS}' or a literal key ARN, so grantPublish can grant on the key`,
    check: (p) => p.kmsKeyId === undefined || p.kmsKeyId === SNS_MANAGED_KEY_ALIAS || (!Token.isUnresolved(p.kmsKeyId) && KEY_ARN.test(p.kmsKeyId)),
    fix: 'pass the key ARN as kmsKeyArn (e.g. kmsKeyArn: key.arn); an alias or key id leaves publishers without kms:GenerateDataKey',
  },
];

function validateEncryptedTopicProps(props: EncryptedTopicProps): Violation[] {
  return checkRules('props', props, TOPIC_PROPS_RULES);
}

/**
 * An SNS topic encrypted at rest, whose publishers ask through {@link grantPublish}.
 *
 * @example
 * const topic = new EncryptedTopic(stack, 'JobEvents');
 * topic.grantPublish(notificationFunction);
 */
export class EncryptedTopic extends Construct {
  public readonly topicArn: string;
  public readonly topic: SnsTopic;
  /** The customer-managed key, when there is one. */
  public readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: EncryptedTopicProps = {}) {
    super(scope, id);
    throwIfViolations('EncryptedTopic', this, validateEncryptedTopicProps(props));
    installDeploymentChecks(this);
    this.kmsKeyArn = props.kmsKeyArn ?? (props.kmsKeyId !== undefined && props.kmsKeyId !== SNS_MANAGED_KEY_ALIAS ? props.kmsKeyId : undefined);
    this.topic = new SnsTopic(this, 'Topic', {
      name: deriveNameFor(this, 'EncryptedTopic', NAME_KINDS.topic),
      kmsMasterKeyId: this.kmsKeyArn ?? SNS_MANAGED_KEY_ALIAS,
    });
    this.topicArn = this.topic.arn;
  }

  /** Lets `grantee` publish to this topic, and use its customer-managed key when there is one. */
  public grantPublish(grantee: IGrantee): Grant {
    const grant = Grant.addToPrincipal({ grantee, sid: grantSid('Publish', this), actions: ['sns:Publish'], resources: [this.topicArn] });
    if (this.kmsKeyArn === undefined) return grant;
    return grant.combine(Grant.addToPrincipal({ grantee, sid: grantSid('UseKey', this), actions: [...TOPIC_KMS_ACTIONS], resources: [this.kmsKeyArn] }));
  }
}
