"""How a template says Lambda runs a function: runtime, timeout, memory, SnapStart, Lambda
Managed Instances and durable execution, read into `FunctionSettings`.

Property names come from AWS's own references:

- CloudFormation `AWS::Lambda::Function`: `Runtime`, `Timeout`, `MemorySize`,
  `SnapStart: {ApplyOn: PublishedVersions | None}`,
  `CapacityProviderConfig: {LambdaManagedInstancesCapacityProviderConfig: {CapacityProviderArn, ...}}`,
  `DurableConfig: {ExecutionTimeout, RetentionPeriodInDays}`
  (AWS CloudFormation Template Reference, aws-resource-lambda-function.html and its
  -snapstart, -capacityproviderconfig and -durableconfig property pages);
- SAM `AWS::Serverless::Function` (and `Globals.Function`): the same `Runtime`, `Timeout`,
  `MemorySize`, `SnapStart` and `DurableConfig`, and
  `CapacityProviderConfig: {Arn, PerExecutionEnvironmentMaxConcurrency, ExecutionEnvironmentMemoryGiBPerVCpu}`
  (SAM Developer Guide, sam-resource-function.html, sam-property-function-capacityproviderconfig.html,
  sam-property-function-durableconfig.html);
- Serverless Framework `serverless.yml`: `provider.runtime` / `provider.timeout` /
  `provider.memorySize` as defaults, per function `runtime`, `timeout`, `memorySize`,
  `snapStart: true`, `capacityProvider: <name | ARN | {name: ...}>` and
  `durableConfig: {executionTimeout, retentionPeriodInDays}` (serverless.yml reference and
  the Lambda Managed Instances guide);
- AWS CDK (Python) `aws_lambda.Function`: `runtime=Runtime.PYTHON_3_12`,
  `timeout=Duration.seconds(30)`, `memory_size=512`,
  `snap_start=SnapStartConf.ON_PUBLISHED_VERSIONS`, `durable_config=DurableConfig(...)`, and
  `CapacityProvider(...).add_function(fn)` for Managed Instances (aws-cdk-lib API reference).

Which runtimes support what (AWS Lambda Developer Guide): SnapStart works with Python 3.12
and later ("Improving startup performance with Lambda SnapStart", supported runtimes), Lambda
Managed Instances with Python 3.13 and later ("Lambda Managed Instances runtimes").

A value lambdalint cannot know (an intrinsic function, a `${...}` variable, an unknown
`ApplyOn`) or a phase on a runtime that does not support it leaves the phase off, with a
note saying why: the rules of that phase then stay quiet rather than guess.
"""

from __future__ import annotations

import re
from typing import List, Mapping, Optional, Tuple

from lambdalint.model import FunctionSettings
from lambdalint.templates.loading import Intrinsic

SNAPSTART_MIN_PYTHON = (3, 12)
MANAGED_INSTANCES_MIN_PYTHON = (3, 13)
APPLY_ON_VALUES = ("PublishedVersions", "None")

_PYTHON_RUNTIME = re.compile(r"^python(\d+)\.(\d+)$")


def is_unknown(value) -> bool:
    """An intrinsic function (`!Ref X`, `{"Fn::If": ...}`) or a `${...}` variable."""
    if isinstance(value, Intrinsic):
        return True
    if isinstance(value, Mapping) and len(value) == 1:
        key = next(iter(value))
        return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::") or key == "Condition")
    return isinstance(value, str) and "${" in value


def describe_unknown(value) -> str:
    """`!If`, `Fn::If`, `${...}` for notes."""
    if isinstance(value, Intrinsic):
        return f"`{value.tag}`"
    if isinstance(value, Mapping):
        return f"`{next(iter(value))}`"
    return "a `${...}` variable"


def _has_condition(value, depth: int = 0) -> bool:
    """`!If` somewhere inside: the value may be there or not (`AWS::NoValue`)."""
    if depth > 20:
        return False
    if isinstance(value, Intrinsic):
        return value.tag == "!If" or _has_condition(value.value, depth + 1)
    if isinstance(value, Mapping):
        return any(k == "Fn::If" or _has_condition(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_condition(v, depth + 1) for v in value)
    return False


def python_version(runtime: Optional[str]) -> Optional[Tuple[int, int]]:
    match = _PYTHON_RUNTIME.match(runtime.strip().lower()) if runtime else None
    return (int(match.group(1)), int(match.group(2))) if match else None


def _integer(value) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


# What a function runs with when its template leaves `Timeout` out: Lambda's default
# (AWS Lambda Developer Guide, "Configure Lambda function timeout"), and the Serverless
# Framework's own default for `timeout`.
LAMBDA_DEFAULT_TIMEOUT = 3
SERVERLESS_DEFAULT_TIMEOUT = 6


class SettingsReader:
    """Collects the settings of one function and the notes about what was not understood."""

    def __init__(self, function: str) -> None:
        self.function = function
        self.notes: List[str] = []
        self.runtime: Optional[str] = None
        self.timeout: Optional[int] = None
        self.memory: Optional[int] = None
        self.snapstart = False
        self.managed_instances = False
        self.durable = False

    def note(self, text: str) -> None:
        self.notes.append(f"`{self.function}`: {text}")

    def unknown(self, prop: str, value, phase: str) -> None:
        self.note(
            f"`{prop}` is given as {describe_unknown(value)}, so lambdalint cannot tell "
            f"whether {phase} is on; the {phase} rules are off for this function"
        )

    def settings(self) -> FunctionSettings:
        version = python_version(self.runtime)
        if self.snapstart and version is not None and version < SNAPSTART_MIN_PYTHON:
            self.note(
                f"SnapStart is set but {self.runtime} does not support it (Python 3.12 and "
                "later do); lambdalint treats SnapStart as off"
            )
            self.snapstart = False
        if self.managed_instances and version is not None and version < MANAGED_INSTANCES_MIN_PYTHON:
            self.note(
                f"a capacity provider (Lambda Managed Instances) is set but {self.runtime} "
                "does not support it (Python 3.13 and later do); lambdalint treats Managed "
                "Instances as off"
            )
            self.managed_instances = False
        return FunctionSettings(
            runtime=self.runtime,
            timeout=self.timeout,
            memory=self.memory,
            snapstart=self.snapstart,
            managed_instances=self.managed_instances,
            durable=self.durable,
        )


def cloudformation_settings(props: Mapping, name: str, sam: bool) -> Tuple[FunctionSettings, List[str]]:
    """Settings of a SAM / CloudFormation function from its properties (SAM `Globals` merged)."""
    reader = SettingsReader(name)
    runtime = props.get("Runtime")
    reader.runtime = runtime.strip() if isinstance(runtime, str) and "${" not in runtime else None
    reader.timeout = _integer(props.get("Timeout")) if "Timeout" in props else LAMBDA_DEFAULT_TIMEOUT
    reader.memory = _integer(props.get("MemorySize"))
    if "SnapStart" in props:
        snap = props["SnapStart"]
        apply_on = snap.get("ApplyOn") if isinstance(snap, Mapping) and not is_unknown(snap) else snap
        if is_unknown(snap):
            reader.unknown("SnapStart", snap, "SnapStart")
        elif is_unknown(apply_on):
            reader.unknown("SnapStart.ApplyOn", apply_on, "SnapStart")
        elif apply_on == "PublishedVersions":
            reader.snapstart = True
        elif apply_on != "None":
            reader.note(
                f"`SnapStart.ApplyOn` is {apply_on!r}, not one of "
                f"{', '.join(APPLY_ON_VALUES)}; lambdalint treats SnapStart as off"
            )
    if "CapacityProviderConfig" in props:
        config = props["CapacityProviderConfig"]
        if sam:
            inner, prop = config, "CapacityProviderConfig"
            arn = inner.get("Arn") if isinstance(inner, Mapping) and not is_unknown(inner) else None
        else:
            inner = (
                config.get("LambdaManagedInstancesCapacityProviderConfig")
                if isinstance(config, Mapping) and not is_unknown(config)
                else config
            )
            prop = "CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig"
            arn = inner.get("CapacityProviderArn") if isinstance(inner, Mapping) and not is_unknown(inner) else None
        _capacity_provider(reader, config, inner, arn, prop, sam)
    if "DurableConfig" in props:
        durable = props["DurableConfig"]
        if is_unknown(durable) or _has_condition(durable):
            reader.unknown("DurableConfig", durable, "durable execution")
        elif isinstance(durable, Mapping):
            reader.durable = True
    return reader.settings(), reader.notes


def _capacity_provider(reader: SettingsReader, config, inner, arn, prop: str, sam: bool) -> None:
    """On when the configuration names a capacity provider; its ARN may be a reference
    (`!GetAtt Provider.Arn` is how AWS's own examples write it), but not a condition that
    may leave it out."""
    if is_unknown(config):
        reader.unknown("CapacityProviderConfig", config, "Lambda Managed Instances")
    elif is_unknown(inner) and not sam:
        reader.unknown(prop, inner, "Lambda Managed Instances")
    elif not isinstance(inner, Mapping):
        reader.note(f"`{prop}` is not a mapping; lambdalint treats Managed Instances as off")
    elif arn is None:
        key = "Arn" if sam else "CapacityProviderArn"
        reader.note(f"`{prop}` has no `{key}`; lambdalint treats Managed Instances as off")
    elif _has_condition(arn) or _has_condition(inner):
        reader.unknown(
            f"{prop}.{'Arn' if sam else 'CapacityProviderArn'}",
            arn if _has_condition(arn) else inner,
            "Lambda Managed Instances",
        )
    else:
        reader.managed_instances = True


def serverless_settings(provider: Mapping, spec: Mapping, name: str) -> Tuple[FunctionSettings, List[str]]:
    """Settings of a Serverless Framework function: `provider.*` defaults, then its own."""
    reader = SettingsReader(name)
    runtime = spec.get("runtime", provider.get("runtime"))
    reader.runtime = runtime.strip() if isinstance(runtime, str) and "${" not in runtime else None
    timeout = spec.get("timeout", provider.get("timeout", SERVERLESS_DEFAULT_TIMEOUT))
    reader.timeout = _integer(timeout)
    reader.memory = _integer(spec.get("memorySize", provider.get("memorySize")))
    if "snapStart" in spec:
        snap = spec["snapStart"]
        if snap is True:
            reader.snapstart = True
        elif is_unknown(snap):
            reader.unknown("snapStart", snap, "SnapStart")
        elif snap not in (False, None):
            reader.note(f"`snapStart` is {snap!r}, not true or false; lambdalint treats SnapStart as off")
    if spec.get("capacityProvider") is not None:
        provider_ref = spec["capacityProvider"]
        named = provider_ref.get("name") if isinstance(provider_ref, Mapping) else provider_ref
        if isinstance(named, str) and "${" in named:
            reader.unknown("capacityProvider", named, "Lambda Managed Instances")
        elif (
            isinstance(named, str)
            and named.strip()
            or isinstance(named, Intrinsic)
            or (isinstance(named, Mapping) and is_unknown(named))
        ):
            if _has_condition(named):
                reader.unknown("capacityProvider", named, "Lambda Managed Instances")
            else:
                reader.managed_instances = True  # a name, an ARN or `!GetAtt Provider.Arn`
        else:
            reader.note("`capacityProvider` names no capacity provider; lambdalint treats Managed Instances as off")
    if spec.get("durableConfig") is not None:
        durable = spec["durableConfig"]
        if is_unknown(durable) or _has_condition(durable):
            reader.unknown("durableConfig", durable, "durable execution")
        elif isinstance(durable, Mapping):
            reader.durable = True
    return reader.settings(), reader.notes
