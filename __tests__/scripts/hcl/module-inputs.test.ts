import { unquoteDependsOn } from '../../../scripts/hcl/depends-on';
import { LOCAL_STATE_FILE, assignments, toModule, variablesTf } from '../../../scripts/hcl/module-inputs';

// The shape cdktf 0.21's HCL renderer writes (before terraform fmt), trimmed to what the export rewrites.
const RENDERED = `terraform {
  required_providers {
    aws = {
      version = "5.100.0"
      source  = "aws"
    }
  }
  backend "s3" {
    bucket       = "state-333333333333"
    key          = "app/dev/terraform.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  allowed_account_ids = [
    "111111111111"
  ]
  region = "eu-west-1"
  assume_role {
    role_arn = "arn:aws:iam::111111111111:role/deployer"
  }
  default_tags {
    tags = {
      region = "not the provider's"
    }
  }
}
data "aws_iam_policy_document" "Doc" {
  statement {
    resources = ["arn:\${data.aws_partition.Partition.partition}:logs:eu-west-1:111111111111:log-group:*", "arn:aws:iam::111111111111:root", "arn:aws:s3:::bucket-111111111111", "arn:aws:sns:us-west-2:999999999999:other"]
  }
}
resource "aws_lambda_function" "Fn_1" {
  function_name = "fn-1"
  depends_on = [
    "aws_iam_role_policy.P",
    "data.aws_iam_policy_document.D",
  ]
}
resource "aws_lambda_function" "Other" {
  provider = aws.other
  description = "region = \\"us-east-1\\" # not an attribute"
}
`;

describe('toModule', () => {
  const module = toModule(unquoteDependsOn(RENDERED), { lambdaConcurrencyQuota: 10 });

  it("makes the default provider's one allowed account and its region variables, leaving nested blocks alone", () => {
    expect(module.mainTf).toContain('  allowed_account_ids = [var.account_id]\n  region = var.region\n  assume_role {');
    expect(module.mainTf).toContain('region = "not the provider\'s"');
    expect(module.variables.map((v) => [v.name, v.value])).toEqual([
      ['account_id', '111111111111'],
      ['region', 'eu-west-1'],
      ['lambda_concurrency_quota', 10],
    ]);
  });

  it("writes the variables in place of the pinned account and region in ARNs, and leaves other accounts, regions and names alone", () => {
    expect(module.mainTf).toContain(
      'resources = ["arn:${data.aws_partition.Partition.partition}:logs:${var.region}:${var.account_id}:log-group:*", "arn:aws:iam::${var.account_id}:root", "arn:aws:s3:::bucket-111111111111", "arn:aws:sns:us-west-2:999999999999:other"]',
    );
  });

  it('moves the S3 backend’s bucket, key and region to backend.hcl and keeps encryption and locking', () => {
    expect(module.backendConfig).toEqual({ bucket: 'state-333333333333', key: 'app/dev/terraform.tfstate', region: 'us-east-1' });
    expect(module.mainTf).toContain('  backend "s3" {\n    encrypt      = true\n    use_lockfile = true\n  }');
  });

  it("checks the default provider's functions' reservations against the quota variable", () => {
    expect(module.concurrencyTf).toContain('max(aws_lambda_function.Fn_1.reserved_concurrent_executions, 0),');
    expect(module.concurrencyTf).not.toContain('aws_lambda_function.Other');
    expect(module.concurrencyTf).toContain('local.lambda_reserved_concurrency == 0 || var.lambda_concurrency_quota - local.lambda_reserved_concurrency >= 100');
  });

  it('keeps a local state file in the module’s folder, whatever path the app wrote', () => {
    const local = toModule('terraform {\n  backend "local" {\n    path = "../../../terraform.app.tfstate"\n  }\n}\n', { lambdaConcurrencyQuota: 1000 });
    expect(local.backendConfig).toEqual({ path: LOCAL_STATE_FILE });
    expect(local.mainTf).toBe('terraform {\n  backend "local" {\n  }\n}\n');
    expect(local.variables).toEqual([]);
    expect(local.concurrencyTf).toBeUndefined();
  });

  it('leaves a provider that pins several accounts, or a region that is not a literal, as written', () => {
    const kept = toModule('provider "aws" {\n  allowed_account_ids = ["111111111111", "222222222222"]\n  region = local.region\n}\n', { lambdaConcurrencyQuota: 1000 });
    expect(kept.variables).toEqual([]);
    expect(kept.mainTf).toContain('allowed_account_ids = ["111111111111", "222222222222"]');
  });
});

describe('unquoteDependsOn', () => {
  it('writes plain references unquoted and leaves anything else as it is', () => {
    expect(unquoteDependsOn(RENDERED)).toContain('  depends_on = [\n    aws_iam_role_policy.P,\n    data.aws_iam_policy_document.D,\n  ]');
    expect(unquoteDependsOn('x {\n  depends_on = ["not a reference", module.m]\n}\n')).toBe('x {\n  depends_on = ["not a reference", module.m]\n}\n');
  });

  it('does not touch depends_on inside strings or heredocs', () => {
    const text = 'x {\n  description = <<EOT\n  depends_on = ["a.b"]\nEOT\n  note = "depends_on = [\\"a.b\\"]"\n}\n';
    expect(unquoteDependsOn(text)).toBe(text);
  });
});

describe('the input files', () => {
  it('declares each variable with its type, description and validation, and writes aligned values', () => {
    const module = toModule(RENDERED, { lambdaConcurrencyQuota: 10 });
    expect(variablesTf(module.variables)).toContain('variable "account_id" {\n  type        = string\n');
    expect(assignments({ account_id: '1', lambda_concurrency_quota: 10 }, 'values')).toBe('# values\naccount_id               = "1"\nlambda_concurrency_quota = 10\n');
  });
});
