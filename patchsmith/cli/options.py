"""Command-line options derived from the typed configuration, and the one place arguments become it.

`config_options` adds one option per field of each configuration model a command uses (RunConfig,
HarnessConfig): the flag comes from the field name (or its `flag` extra), the help from its description and
default. It also adds `--config FILE` (TOML, flat `key = value`) and repeated `-c key=value`. Option values
stay strings until `build_configs` hands everything to the models, so a bad value gets the same one-line
ConfigError (naming the key, where it came from, and what is allowed) whether it came from a flag, -c or a
file. Precedence: model default < command default < config file < -c < explicit flag < what the command
fixes (e.g. `run` is always full-auto).
"""

from __future__ import annotations

import argparse
import difflib
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from ..errors import ConfigError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, as a package
    import tomli as tomllib  # type: ignore[no-redef]

NONE_WORDS = {"none", "null"}


@dataclass(frozen=True)
class Section:
    """One configuration model as a command offers it."""

    model: type[BaseModel]
    title: str
    only: tuple[str, ...] | None = None  # offer just these fields as options (None: all of them)
    hidden: tuple[str, ...] = ()  # fields never offered as options (still settable by file or -c)
    defaults: Mapping[str, Any] = field(default_factory=dict)  # this command's own defaults
    fixed: Mapping[str, Any] = field(default_factory=dict)  # values this command always uses

    def offered(self) -> list[str]:
        names = self.only if self.only is not None else tuple(self.model.model_fields)
        return [n for n in names if n not in self.hidden and n not in self.fixed]


def flags_of(name: str, info: FieldInfo) -> list[str]:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return [str(extra.get("flag") or "--" + name.replace("_", "-")), *map(str, extra.get("aliases") or [])]


def _choices(annotation: Any) -> tuple[Any, ...] | None:
    if get_origin(annotation) is Literal:
        return get_args(annotation)
    if get_origin(annotation) in (Union, types.UnionType):
        for arg in get_args(annotation):
            if (found := _choices(arg)) is not None:
                return found
    return None


def _help(info: FieldInfo, default: Any) -> str:
    text = info.description or ""  # the choices are in the metavar
    if default is not None and not isinstance(default, bool) and default != "":
        text += f" (default: {default})"
    return text.strip().replace("%", "%%")


def config_options(parser: argparse.ArgumentParser, *sections: Section) -> None:
    """The options of `sections`, plus --config and -c; `build_configs(args, *sections)` reads them back."""
    for section in sections:
        group = parser.add_argument_group(section.title)
        for name in section.offered():
            info = section.model.model_fields[name]
            default = section.defaults.get(name, info.default)
            flags = flags_of(name, info)
            if info.annotation is bool:
                # The flag flips this command's default: `--no-memory` where memory is on, `--memory` where off.
                negative = bool(default)
                stem = flags[0].removeprefix("--").removeprefix("no-")
                group.add_argument(f"--{'no-' if negative else ''}{stem}", *flags[1:], dest=name,
                                   action="store_const", const=not negative, default=argparse.SUPPRESS,
                                   help=("do not " if negative else "") + _help(info, None))
            else:
                choices = _choices(info.annotation)
                metavar = ("{" + ",".join(map(str, choices)) + "}" if choices is not None
                           else flags[0].lstrip("-").upper().replace("-", "_"))
                group.add_argument(*flags, dest=name, default=argparse.SUPPRESS, metavar=metavar,
                                   help=_help(info, default))
    files = parser.add_argument_group("configuration")
    files.add_argument("--config", type=Path, metavar="FILE", default=None,
                       help="TOML file of `key = value` settings (the option names with underscores)")
    files.add_argument("-c", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="set one configuration key (repeatable), e.g. -c max_steps=20")


def build_configs(args: argparse.Namespace, *sections: Section) -> list[BaseModel]:
    """Each section's model, validated, from defaults, the config file, -c overrides and the flags given."""
    known = {name for s in sections for name in s.model.model_fields}
    layers: list[tuple[dict[str, Any], dict[str, str]]] = []  # (values, key -> where it came from)
    if getattr(args, "config", None) is not None:
        values = _read_toml(args.config)
        layers.append((values, {k: f"{k} in {args.config}" for k in values}))
    overrides = _parse_overrides(getattr(args, "overrides", []) or [])
    layers.append((overrides, {k: f"-c {k}" for k in overrides}))
    for values, origin in layers:
        for key in values:
            if key not in known:
                where = origin[key].replace(key, "", 1).strip() or "-c"
                raise ConfigError(f"unknown configuration key {key!r} ({where}){_suggestion(key, known)}",
                                  hint="known keys: " + ", ".join(sorted(known)))
    given = {name: getattr(args, name) for s in sections for name in s.offered() if hasattr(args, name)}
    flag_origin = {name: flags_of(name, s.model.model_fields[name])[0] for s in sections for name in given
                   if name in s.model.model_fields}
    layers.append((given, flag_origin))
    return [_build(section, layers) for section in sections]


def _build(section: Section, layers: list[tuple[dict[str, Any], dict[str, str]]]) -> BaseModel:
    fields = section.model.model_fields
    values: dict[str, Any] = dict(section.defaults)
    origin: dict[str, str] = {}
    for layer, where in layers:
        for key, value in layer.items():
            if key in fields and key not in section.fixed:
                values[key] = None if isinstance(value, str) and value.lower() in NONE_WORDS else value
                origin[key] = where[key]
    values.update(section.fixed)
    try:
        return section.model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else "?"
        where = origin.get(key, key)
        reason = first["msg"][0].lower() + first["msg"][1:] if first["msg"] else "not allowed"
        reason = reason.removeprefix("value error, ")
        raise ConfigError(f"invalid {where} {values.get(key)!r}: {reason}",
                          hint=f"`patchsmith COMMAND --help` describes {key}") from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(Path(path).expanduser().read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}", hint="give --config an existing TOML file") from None
    except (OSError, UnicodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}",
                          hint="write it as TOML, one `key = value` a line") from None
    tables = [k for k, v in data.items() if isinstance(v, dict)]
    if tables:
        raise ConfigError(f"config file {path} has tables ({', '.join(tables)}); keys are flat",
                          hint="write `key = value` lines without [sections]")
    return data


def _parse_overrides(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"-c {item!r} is not KEY=VALUE", hint="write it like -c max_steps=20")
        out[key.strip().replace("-", "_")] = value.strip()
    return out


def _suggestion(key: str, known: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
