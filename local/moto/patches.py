"""Gaps in moto 5.2.1 that stop a correct stack from deploying, patched to
behave as AWS does. Each patch names the moto version it was written for, the
AWS behaviour it imitates and why the deploy needs it; each has a test in
__tests__/deploy/moto-patches.test.ts that checks the AWS behaviour, including
what the patch must NOT change.

A patch only adds what is missing. If moto changes the code a patch builds on,
`apply_all` fails loudly instead of running an emulator that differs from AWS.
"""

import json
from typing import Any, Callable

PATCHED_FOR = "5.2.1"


def _require(owner: Any, name: str) -> Any:
    if not hasattr(owner, name):
        raise RuntimeError(
            f"moto no longer has {getattr(owner, '__name__', owner)}.{name}; the patches in "
            f"local/moto/patches.py were written for moto {PATCHED_FOR}. "
            f"Install it with: pip install 'moto[server]=={PATCHED_FOR}'"
        )
    return getattr(owner, name)


# --- S3: bucket policy condition aws:SecureTransport -------------------------------
#
# moto 5.2.1: Bucket.get_permission evaluates a bucket policy with no request
# context, and its condition evaluator knows only StringEquals: any other
# operator, such as the `Bool` of `{"Bool": {"aws:SecureTransport": "false"}}`,
# is treated as matching. So SafeBucket's TLS-only statement (deny when the
# request is not over TLS) denies every object request once the policy lands:
# the provider's read-back of the code zips it uploads alongside is refused.
#
# AWS: `aws:SecureTransport` is "true" for a request made over HTTPS; the
# `Bool` operator compares it case-insensitively; a statement whose condition
# does not hold does not apply to the request (it neither allows nor denies).
# The emulator stands in for AWS's HTTPS endpoints (the provider and the SDKs
# always use HTTPS to AWS), so a request to it counts as one made over TLS.
#
# The patch evaluates a bucket policy with that one context key, teaches the
# evaluator the `Bool` operator for keys it has a value for, and lets a
# statement whose condition is false not apply (moto's statement evaluation,
# written for trust policies, answers DENIED then). Everything else (actions,
# resources, principals, other condition keys and operators) is evaluated by
# moto as before.


class _CaseInsensitiveKeys(dict):  # type: ignore[type-arg]
    """Condition keys are case-insensitive in IAM."""

    def __init__(self, values: dict[str, str]):
        super().__init__({key.lower(): value for key, value in values.items()})

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())


S3_REQUEST_CONTEXT = {"aws:SecureTransport": "true"}


def _bool_operation(expected: Any, actual: str) -> bool:
    expected_values = expected if isinstance(expected, list) else [expected]
    return any(str(value).lower() == str(actual).lower() for value in expected_values)


def patch_s3_secure_transport() -> None:
    from moto.iam import policy_conditions
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult
    from moto.s3.models import FakeBucket

    operations = _require(policy_conditions, "CONDITION_OPERATIONS")
    _require(FakeBucket, "get_permission")
    _require(IAMPolicyStatement, "_check_conditions")
    operations.setdefault("Bool", _bool_operation)

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        context = _CaseInsensitiveKeys(S3_REQUEST_CONTEXT)
        statements = json.loads(self.policy.decode())["Statement"]
        permitted = False
        for raw in statements if isinstance(statements, list) else [statements]:
            statement = IAMPolicyStatement(raw)
            if not statement._check_conditions(context):
                continue  # the statement does not apply to this request
            result = statement.is_action_permitted(action, resource, incoming_condition_values=context)
            if result == PermissionResult.DENIED:
                return result
            permitted = permitted or result == PermissionResult.PERMITTED
        return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL

    FakeBucket.get_permission = get_permission


# --- Step Functions: ValidateStateMachineDefinition ---------------------------------
#
# moto 5.2.1: not implemented (moto answers 500 "not been implemented"). The
# provider calls it while planning a changed definition (CustomizeDiff), and the
# AWS SDK retries a 5xx, so apply hangs for over 13 minutes.
#
# AWS: answers 200 with result OK, or FAIL with diagnostics (for instance
# INVALID_JSON_DESCRIPTION when the definition is not JSON); an unknown `type`
# is a ValidationException. AWS also checks the States language itself; the
# emulator does not (docs/local.md says so, and asl-validator checks it at synth).


def _validate_state_machine_definition(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.stepfunctions.exceptions import ValidationException

    definition = self._get_param("definition")
    machine_type = self._get_param("type")
    if machine_type is not None and machine_type not in ("STANDARD", "EXPRESS"):
        raise ValidationException(
            f"1 validation error detected: Value '{machine_type}' at 'type' failed to satisfy constraint: "
            "Member must satisfy enum value set: [STANDARD, EXPRESS]"
        )
    try:
        parsed = json.loads(definition or "")
    except ValueError as error:
        return ActionResult(
            {
                "result": "FAIL",
                "diagnostics": [
                    {
                        "severity": "ERROR",
                        "code": "INVALID_JSON_DESCRIPTION",
                        "message": f"Invalid State Machine Definition: '{error}'",
                    }
                ],
                "truncated": False,
            }
        )
    if not isinstance(parsed, dict):
        return ActionResult(
            {
                "result": "FAIL",
                "diagnostics": [
                    {
                        "severity": "ERROR",
                        "code": "SCHEMA_VALIDATION_FAILED",
                        "message": "The definition must be a JSON object",
                    }
                ],
                "truncated": False,
            }
        )
    return ActionResult({"result": "OK", "diagnostics": [], "truncated": False})


# --- Step Functions: ListStateMachineVersions ---------------------------------------
#
# moto 5.2.1: not implemented, although moto keeps the versions that
# `publish: true` creates. The provider calls it on every read of a state
# machine, so without it no state machine can be created or refreshed.
#
# AWS: the published versions of the state machine, newest first, each with
# its ARN and creation date; an empty list when none was published; InvalidArn
# for an ARN that is not a state machine's; StateMachineDoesNotExist for an
# unknown state machine.


def _list_state_machine_versions(self: Any) -> Any:
    from moto.core.responses import ActionResult

    machine = self.stepfunction_backend.describe_state_machine(self._get_param("stateMachineArn"))
    versions = sorted(machine.versions.values(), key=lambda version: version.version, reverse=True)
    return ActionResult(
        {
            "stateMachineVersions": [
                {"stateMachineVersionArn": version.arn, "creationDate": version.creation_date}
                for version in versions
            ]
        }
    )


def patch_sfn_missing_actions() -> None:
    from moto.stepfunctions.responses import StepFunctionResponse

    for name, action in (
        ("validate_state_machine_definition", _validate_state_machine_definition),
        ("list_state_machine_versions", _list_state_machine_versions),
    ):
        if name in StepFunctionResponse.__dict__:
            raise RuntimeError(f"moto now implements StepFunctions {name}: drop its patch from local/moto/patches.py")
        setattr(StepFunctionResponse, name, action)


# --- Lambda: LoggingConfig -----------------------------------------------------------
#
# moto 5.2.1: CreateFunction and UpdateFunctionConfiguration drop LoggingConfig,
# and GetFunction never returns it, so after an apply the provider reads no
# logging configuration and every later plan wants to change it.
#
# AWS: LoggingConfig is stored and returned on every function configuration:
# LogFormat defaults to Text and LogGroup to /aws/lambda/<function name>; with
# the JSON format, ApplicationLogLevel and SystemLogLevel default to INFO;
# the log levels are refused with the Text format.


def _logging_config(function_name: str, requested: dict[str, Any] | None) -> dict[str, Any]:
    from moto.awslambda.exceptions import InvalidParameterValueException

    requested = requested or {}
    log_format = requested.get("LogFormat", "Text")
    config = {"LogFormat": log_format, "LogGroup": requested.get("LogGroup") or f"/aws/lambda/{function_name}"}
    levels = {key: requested[key] for key in ("ApplicationLogLevel", "SystemLogLevel") if requested.get(key)}
    if log_format == "JSON":
        config["ApplicationLogLevel"] = levels.get("ApplicationLogLevel", "INFO")
        config["SystemLogLevel"] = levels.get("SystemLogLevel", "INFO")
    elif levels:
        raise InvalidParameterValueException(
            "The ApplicationLogLevel and SystemLogLevel settings are only supported with the JSON log format."
        )
    return config


def patch_lambda_logging_config() -> None:
    from moto.awslambda.models import LambdaFunction

    original_init: Callable[..., None] = _require(LambdaFunction, "__init__")
    original_get: Callable[..., dict[str, Any]] = _require(LambdaFunction, "get_configuration")
    original_update: Callable[..., dict[str, Any]] = _require(LambdaFunction, "update_configuration")

    def __init__(self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        original_init(self, account_id, spec, *args, **kwargs)
        self.logging_config = _logging_config(self.function_name, spec.get("LoggingConfig"))

    def get_configuration(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config = original_get(self, *args, **kwargs)
        config["LoggingConfig"] = getattr(self, "logging_config", None) or _logging_config(self.function_name, None)
        return config

    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "LoggingConfig" in config_updates:
            self.logging_config = _logging_config(self.function_name, config_updates["LoggingConfig"])
        return original_update(self, config_updates)

    LambdaFunction.__init__ = __init__
    LambdaFunction.get_configuration = get_configuration
    LambdaFunction.update_configuration = update_configuration


# --- API Gateway: UpdateAccount clearing the CloudWatch role ----------------------------
#
# moto 5.2.1: Account.apply_patch_operations reads `op["value"]` for
# /cloudwatchRoleArn, so a patch operation without a value fails with a KeyError
# (an HTTP 500). hashicorp/aws 5.100.0 sends exactly that when it destroys an
# aws_api_gateway_account with reset_on_delete = true (`replace
# /cloudwatchRoleArn`, no value), which ApiGatewayAccount sets; the provider then
# retries the 500 and the destroy never ends.
#
# AWS: replacing /cloudwatchRoleArn with no value clears the account's role
# (GetAccount then has no cloudwatchRoleArn). Operations with a value, and other
# paths, are left to moto as before.


def patch_apigateway_account_reset() -> None:
    from moto.apigateway.models import Account

    original: Callable[..., Any] = _require(Account, "apply_patch_operations")

    def apply_patch_operations(self: Any, patch_operations: list[dict[str, Any]]) -> Any:
        rest = []
        for op in patch_operations:
            if "/cloudwatchRoleArn" in op.get("path", "") and op.get("op") == "replace" and not op.get("value"):
                self.cloudwatch_role_arn = None
            else:
                rest.append(op)
        return original(self, rest)

    Account.apply_patch_operations = apply_patch_operations


PATCHES = (patch_s3_secure_transport, patch_sfn_missing_actions, patch_lambda_logging_config, patch_apigateway_account_reset)


def apply_all() -> None:
    for patch in PATCHES:
        patch()
