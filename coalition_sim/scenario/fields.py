"""How a schema field is declared: :func:`param` (a documented, range-checked parameter),
:func:`field_range` (its range read back), and the strict base model every schema record
derives from (unknown keys and TOML booleans for numbers are refused)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo

__all__ = ["Strict", "field_range", "param"]


def param(
    default: float,
    lo: float,
    hi: float,
    meaning: str,
    source: str,
    *,
    unit: str = "",
) -> Any:
    """A documented, range-checked model parameter."""
    return Field(
        default,
        ge=lo,
        le=hi,
        description=meaning,
        json_schema_extra={"source": source, "unit": unit},
    )


def field_range(field: FieldInfo) -> tuple[Any, Any]:
    """A field's declared (min, max) from its ``ge``/``le`` constraints; None where open.

    The one place ranges are read back from the schema: error messages, the parameter
    table and the sweep/fit catalogue all use it."""
    lo = hi = None
    for meta in field.metadata:
        lo = getattr(meta, "ge", lo)
        hi = getattr(meta, "le", hi)
        lt = getattr(meta, "lt", None)
        if isinstance(lt, int) and not isinstance(lt, bool):
            hi = lt - 1  # an integer bound (the seed): the largest allowed value
    return lo, hi


class _TomlBool:
    """Stands in for a TOML ``true``/``false`` given to a number field, so that the field's
    own validation refuses it (pydantic would otherwise read ``true`` as 1.0)."""

    def __init__(self, value: bool) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "true" if self.value else "false"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

    @model_validator(mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields
        flagged = {
            k: _TomlBool(v)
            for k, v in data.items()
            if isinstance(v, bool) and k in fields and fields[k].annotation in (float, int)
        }
        return {**data, **flagged} if flagged else data


#: Former name of :class:`Strict`.
_Strict = Strict
