"""The action server's replies checked with a schema validator built once.

Rasa checks every reply of the action server against its response schema (events and responses) with
`jsonschema.validate`, which first checks the schema itself against the JSON Schema metaschema on every call.
Measured on 2 cores, that is about 70 ms of every turn that runs a custom action — more than the rest of the
dialogue engine's work for the turn. The same check with the validator built once takes about 5 ms.

`install()` makes Rasa's remote actions use the built-once validator. The check is the same: a reply that does
not fit the schema is handed to Rasa's own validation, which raises its usual error with its usual message.
It is installed when the Rasa server imports the project's NLU components (bot/nlu), so every server that
loads the tutor's model has it; it does nothing where Rasa is not installed.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

log = logging.getLogger(__name__)
_MARK = "_tutor_compiled_validator"


def compiled_validator(schema: dict[str, Any]) -> Any:
    """A jsonschema validator for `schema`, the schema checked once here rather than at every validation."""
    from jsonschema.validators import validator_for

    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def install() -> bool:
    """Use a built-once validator for the replies of Rasa's remote actions; True when installed."""
    try:
        from rasa.core.actions.action import RemoteAction
    except ImportError:
        return False
    if getattr(RemoteAction._validate_action_result, _MARK, False):
        return True
    RemoteAction._validate_action_result = _validating(RemoteAction._validate_action_result)
    log.debug("action-server replies checked with a built-once schema validator")
    return True


def _validating(rasa_validation: Callable[[Any, dict], bool]) -> Callable[[Any, dict], bool]:
    """Rasa's `_validate_action_result` with the schema validator built at first use; invalid replies go to
    Rasa's own validation so its error and message stay what Rasa documents."""
    from jsonschema.exceptions import best_match

    validators: dict[int, Any] = {}

    def validate(action: Any, result: dict[str, Any]) -> bool:
        key = id(type(action))
        if key not in validators:
            validators[key] = compiled_validator(action.action_response_format_spec())
        if best_match(validators[key].iter_errors(result)) is None:
            return True
        return rasa_validation(action, result)

    setattr(validate, _MARK, True)
    return validate
